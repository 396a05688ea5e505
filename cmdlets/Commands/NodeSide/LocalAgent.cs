using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Transport;

namespace VolumeManager.Cmdlets.Commands.NodeSide;

/// <summary>
/// The agent of the node this endpoint runs on: its control socket and token from the endpoint's environment, or else
/// from the node's state directory in the cluster definition the agent runs with (/etc/volumemanager/cluster.yaml on
/// an installed host, as the systemd unit has it), the node named after the host as the unit names it.
/// </summary>
internal static class LocalAgent
{
    public const string NodeVariable = "VM_NODE";
    public const string SocketVariable = "VM_AGENT_SOCKET";
    public const string TokenVariable = "VM_AGENT_TOKEN_FILE";
    public const string DefinitionVariable = "VM_CLUSTER_DEFINITION";
    public const string InstalledDefinition = "/etc/volumemanager/cluster.yaml";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static ControlClient? client;

    /// <summary>$VM_NODE, or the host's short name (what systemd's %l in the unit gives the agent).</summary>
    public static string Node => Environment.GetEnvironmentVariable(NodeVariable) ?? Environment.MachineName.Split('.')[0];

    public static async Task<ControlResponse> RequestAsync(ControlRequest request, CancellationToken ct)
    {
        var reply = await Client().RequestAsync(WireJson.Serialize(request), Timeout, ct);
        return WireJson.Deserialize<ControlResponse>(reply);
    }

    public static async Task<byte[]> RequestRawAsync(byte[] request, CancellationToken ct) =>
        await Client().RequestAsync(request, Timeout, ct);

    /// <summary>One request to the agent that owns a state directory on this machine (test harnesses, local clusters).</summary>
    public static async Task<byte[]> RequestRawAsync(string stateDirectory, byte[] request, CancellationToken ct)
    {
        var files = new StateFiles(stateDirectory);
        using var direct = new ControlClient(files.Socket, NodeToken.Read(files.Token));
        return await direct.RequestAsync(request, Timeout, ct);
    }

    private static ControlClient Client()
    {
        if (client is not null) return client;
        var (socket, tokenFile) = AgentFiles();
        return client = new ControlClient(socket, NodeToken.Read(tokenFile));
    }

    private static (string Socket, string Token) AgentFiles()
    {
        var socket = Environment.GetEnvironmentVariable(SocketVariable);
        var token = Environment.GetEnvironmentVariable(TokenVariable);
        if (socket is not null && token is not null) return (socket, token);
        var files = new StateFiles(InstalledNode().StateDirectory);
        return (socket ?? files.Socket, token ?? files.Token);
    }

    /// <summary>The cluster definition this node's agent runs with: $VM_CLUSTER_DEFINITION, or where the systemd unit has it.</summary>
    public static string DefinitionPath => Path.GetFullPath(Environment.GetEnvironmentVariable(DefinitionVariable) ?? InstalledDefinition);

    /// <summary>This node in the cluster definition its agent runs with.</summary>
    private static NodeDefinition InstalledNode()
    {
        var path = DefinitionPath;
        if (!File.Exists(path))
            throw new InvalidOperationException($"This session is not a VolumeManager node endpoint: ${SocketVariable} is not set and there is no cluster definition at {path} (${DefinitionVariable}).");
        return DefinitionFile.Read(path).FindNode(Node) ?? throw new InvalidOperationException(
            $"The cluster definition {path} has no node '{Node}' (${NodeVariable}, or this host's short name): set ${NodeVariable} in the endpoint's environment to the node's name.");
    }
}
