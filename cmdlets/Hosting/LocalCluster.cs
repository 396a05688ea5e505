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
    public NamespaceNetwork? Network { get; }

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
        var key = await ClientKey.EnsureAsync(Path.Combine(Root, "ssh"), ct);
        foreach (var node in Definition.Nodes)
        {
            var sshd = new SshdNode(node.Name, Path.Combine(Root, "nodes", node.Name, "sshd"), key.PublicKeyPath, NodeEnvironment.For(node), ModuleLayout.PwshPath)
            {
                RequestedPort = node.Endpoint.Port,
                ListenAddress = Network?.Address(node.Name) ?? "127.0.0.1",
                Launcher = Network?.Exec(node.Name) ?? [],
            };
            sshds[node.Name] = sshd;
            await sshd.StartAsync(ct);
        }
    }

    public void Dispose()
    {
        foreach (var agent in agents.Values) agent.Kill();
        Task.WhenAll(sshds.Values.Select(s => s.StopAsync(CancellationToken.None))).GetAwaiter().GetResult();
        sshds.Clear();
        Network?.RemoveAsync(CancellationToken.None).GetAwaiter().GetResult();
    }
}
