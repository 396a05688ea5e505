using System.Management.Automation.Runspaces;
using VolumeManager.Cmdlets.Hosting;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;

namespace VolumeManager.Cmdlets.Remoting;

/// <summary>The live side of a VmCluster: one endpoint session per node, and whatever this session must close.</summary>
internal sealed class ClusterConnection(ClusterDefinition definition, string localNode) : IDisposable
{
    private readonly Dictionary<string, PsEndpoint> endpoints = [];
    private readonly List<IDisposable> owned = [];
    private readonly HashSet<string> adopted = [];

    public ClusterDefinition Definition { get; } = definition;
    public string LocalNode { get; } = localNode;
    public IReadOnlyDictionary<string, PsEndpoint> Endpoints => endpoints;
    public LocalCluster? Local { get; set; }

    public void Add(string node, PSSession session, IDisposable? closer)
    {
        endpoints[node] = new PsEndpoint(node, session);
        if (closer is not null) owned.Add(closer);
        else adopted.Add(node);
    }

    public Initiator Initiator(IInitiatorProgress? progress) =>
        new(endpoints.ToDictionary(e => e.Key, e => (IVmEndpoint)e.Value), Guid.NewGuid, progress,
            Definition.FailureTimeout + TimeSpan.FromSeconds(15));

    public PsEndpoint Endpoint(string node) => endpoints.TryGetValue(node, out var endpoint)
        ? endpoint
        : throw new EndpointException(node, ErrorIds.EndpointUnreachable, $"node {node} is not a node of cluster {Definition.Name}.");

    /// <summary>A node's view; without a node, the local node's, or the first node that answers.</summary>
    public async Task<ClusterView> ViewAsync(string? node, CancellationToken ct)
    {
        if (node is not null) return await Endpoint(node).GetViewAsync(ct);
        EndpointException? last = null;
        foreach (var candidate in endpoints.Keys.OrderBy(n => n == LocalNode ? 0 : 1))
        {
            try { return await endpoints[candidate].GetViewAsync(ct); }
            catch (EndpointException e) { last = e; }
        }
        throw last ?? new EndpointException(LocalNode, ErrorIds.EndpointUnreachable, "no endpoint is open.");
    }

    public void Dispose()
    {
        foreach (var endpoint in endpoints.Values.Where(e => !adopted.Contains(e.Node))) endpoint.Close();
        endpoints.Clear();
        foreach (var item in owned) item.Dispose();
        owned.Clear();
    }
}
