using VolumeManager.Cmdlets.Endpoints;
using VolumeManager.Engine.Cluster;

namespace VolumeManager.Cmdlets.Hosting;

/// <summary>
/// A cluster running on this machine: one vmconfigd per node and, for the SSH transport, one sshd per node.
/// Everything it starts it ends again by process id.
/// </summary>
internal sealed class LocalCluster : IDisposable
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, AgentProcess> agents;
    private readonly Dictionary<string, SshdNode> sshds = [];

    public LocalCluster(string root, ClusterDefinition definition)
    {
        Root = root;
        Definition = definition;
        Network = NamespaceNetwork.Load(root);
        agents = definition.Nodes.ToDictionary(n => n.Name, n => new AgentProcess(definition.SourcePath!, n)
        {
            Launcher = Network?.Exec(n.Name) ?? [],
        });
    }

    /// <summary>The namespaces, veths and bridge of a namespace-isolated cluster; null for one on loopback.</summary>
    public NamespaceNetwork? Network { get; private set; }

    public string Root { get; }
    public ClusterDefinition Definition { get; }
    /// <summary>Agents start with the test fault hook enabled (VMCONFIGD_FAULTS=1); never for real clusters.</summary>
    public bool FaultInjection { get; init; }

    public LocalTransport Transport => Definition.Nodes.All(n => n.Endpoint.Kind == EndpointKind.Local) ? LocalTransport.Local : LocalTransport.Ssh;

    public AgentProcess Agent(string node) => agents[node];

    private Dictionary<string, string>? AgentEnvironment => FaultInjection ? new() { ["VMCONFIGD_FAULTS"] = "1" } : null;

    /// <summary>
    /// Starts every agent that is not running, all at once: a cluster forms only where a majority of its
    /// defined nodes discover each other, and the lowest-ordered of them becomes master.
    /// </summary>
    public async Task StartAgentsAsync(CancellationToken ct)
    {
        if (Network is not null && !await Network.ExistsAsync(ct))
        {
            NamespaceNetwork.RequireRoot();
            await Network.CreateAsync(ct);
        }
        var starting = agents.Values.Where(a => !a.IsRunning).OrderBy(a => a.Node.Order).ToList();
        foreach (var agent in starting) agent.Start(AgentEnvironment);
        await Task.WhenAll(starting.Select(a => a.WaitJoinedAsync(JoinTimeout, ct)));
    }

    public async Task StartAgentAsync(string node, CancellationToken ct)
    {
        var agent = agents[node];
        agent.Start(AgentEnvironment);
        await agent.WaitJoinedAsync(JoinTimeout, ct);
    }

    public async Task StartEndpointsAsync(CancellationToken ct)
    {
        if (Transport != LocalTransport.Ssh) return;
        foreach (var node in Definition.Nodes) await StartSshdAsync(node, ct);
    }

    private async Task StartSshdAsync(NodeDefinition node, CancellationToken ct)
    {
        var key = await ClientKey.EnsureAsync(Path.Combine(Root, "ssh"), ct);
        var sshd = new SshdNode(node.Name, Path.Combine(Root, "nodes", node.Name, "sshd"), key.PublicKeyPath, NodeEnvironment.Installed(node, Definition.SourcePath!), ModuleLayout.PwshPath)
        {
            RequestedPort = node.Endpoint.Port,
            ListenAddress = Network?.Address(node.Name) ?? "127.0.0.1",
            Launcher = Network?.Exec(node.Name) ?? [],
            NodeManifestPath = ModuleLayout.NodeManifestPath,
        };
        sshds[node.Name] = sshd;
        await sshd.StartAsync(ct);
    }

    /// <summary>
    /// A new node's folders, and in a namespace cluster its address (Add-VmNode): not yet in the definition, no process
    /// started. The network plan with it is recorded at once, so a stop removes whatever is made for it from here on.
    /// </summary>
    public NodeDefinition PlanNode(string name)
    {
        if (Network is not null)
        {
            Network = Network.With(name);
            Network.Save(Root);
        }
        return LocalClusterLayout.AddNode(Root, Definition, name, Network);
    }

    /// <summary>The new node's host as a machine would have it before the cluster takes it in: its namespace and its endpoint (sshd).</summary>
    public async Task StartNodeHostAsync(NodeDefinition node, CancellationToken ct)
    {
        if (Network is not null) await Network.CreateNodeAsync(node.Name, ct);
        agents[node.Name] = new AgentProcess(Definition.SourcePath!, node) { Launcher = Network?.Exec(node.Name) ?? [] };
        if (node.Endpoint.Kind == EndpointKind.Ssh) await StartSshdAsync(node, ct);
    }

    /// <summary>Ends a node's agent and sshd (Remove-VmNode -Permanent); its namespace goes with the cluster's.</summary>
    public async Task StopNodeAsync(string node, CancellationToken ct)
    {
        if (agents.Remove(node, out var agent)) agent.Kill();
        if (sshds.Remove(node, out var sshd)) await sshd.StopAsync(ct);
    }

    /// <summary>Undoes <see cref="PlanNode"/> and <see cref="StartNodeHostAsync"/> for a node whose addition did not commit: processes, namespace, folder.</summary>
    public async Task ForgetNodeAsync(NodeDefinition node, CancellationToken ct)
    {
        await StopNodeAsync(node.Name, ct);
        if (Network is not null)
        {
            await Network.RemoveNodeAsync(node.Name, ct);
            Network = Network.WithoutLast(node.Name);
            Network.Save(Root);
        }
        var folder = Path.GetDirectoryName(node.StateDirectory)!;
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    public void Dispose()
    {
        foreach (var agent in agents.Values) agent.Kill();
        Task.WhenAll(sshds.Values.Select(s => s.StopAsync(CancellationToken.None))).GetAwaiter().GetResult();
        sshds.Clear();
        Network?.RemoveAsync(CancellationToken.None).GetAwaiter().GetResult();
    }
}
