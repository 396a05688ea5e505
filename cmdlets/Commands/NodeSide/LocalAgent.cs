using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Transport;

namespace VolumeManager.Cmdlets.Commands.NodeSide;

/// <summary>The agent of the node this endpoint runs on, found through the endpoint's environment.</summary>
internal static class LocalAgent
{
    public const string NodeVariable = "VM_NODE";
    public const string SocketVariable = "VM_AGENT_SOCKET";
    public const string TokenVariable = "VM_AGENT_TOKEN_FILE";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static ControlClient? client;

    public static string Node => Environment.GetEnvironmentVariable(NodeVariable) ?? Environment.MachineName;

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
        using var direct = new ControlClient(Path.Combine(stateDirectory, "vmconfigd.sock"), NodeToken.Read(Path.Combine(stateDirectory, "node.token")));
        return await direct.RequestAsync(request, Timeout, ct);
    }

    private static ControlClient Client()
    {
        if (client is not null) return client;
        var socket = Environment.GetEnvironmentVariable(SocketVariable)
            ?? throw new InvalidOperationException($"This session is not a VolumeManager node endpoint: ${SocketVariable} is not set.");
        var tokenFile = Environment.GetEnvironmentVariable(TokenVariable)
            ?? throw new InvalidOperationException($"This session is not a VolumeManager node endpoint: ${TokenVariable} is not set.");
        return client = new ControlClient(socket, NodeToken.Read(tokenFile));
    }
}
