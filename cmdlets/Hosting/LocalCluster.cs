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
        agents = definition.Nodes.ToDictionary(n => n.Name, n => new AgentProcess(definition.SourcePath!, n));
    }

    public string Root { get; }
    public ClusterDefinition Definition { get; }
    public LocalTransport Transport => Definition.Nodes.All(n => n.Endpoint.Kind == EndpointKind.Local) ? LocalTransport.Local : LocalTransport.Ssh;

    public AgentProcess Agent(string node) => agents[node];

    /// <summary>Starts every agent that is not running, one at a time in rank order so the first forms the cluster.</summary>
    public async Task StartAgentsAsync(CancellationToken ct)
    {
        foreach (var agent in agents.Values.OrderBy(a => a.Node.Order))
            if (!agent.IsRunning) await StartAgentAsync(agent.Node.Name, ct);
    }

    public async Task StartAgentAsync(string node, CancellationToken ct)
    {
        var agent = agents[node];
        agent.Start();
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
    }
}
