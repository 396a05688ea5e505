using System.Collections;
using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<string, PsEndpoint> endpoints = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IDisposable> owned = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> adopted = new(StringComparer.Ordinal);

    public ClusterDefinition Definition { get; } = definition;
    public string LocalNode { get; } = localNode;
    public IReadOnlyDictionary<string, PsEndpoint> Endpoints => endpoints;
    public LocalCluster? Local { get; set; }

    public void Add(string node, PSSession session, IDisposable? closer)
    {
        endpoints[node] = new PsEndpoint(node, session);
        if (closer is not null) owned[node] = closer;
        else adopted[node] = true;
    }

    /// <summary>A node taken out of the cluster for good: its session is closed and it leaves the definition.</summary>
    public void Remove(string node)
    {
        if (endpoints.TryRemove(node, out var endpoint) && !adopted.TryRemove(node, out _)) endpoint.Close();
        if (owned.TryRemove(node, out var closer)) closer.Dispose();
        Definition.Nodes.RemoveAll(n => n.Name == node);
    }

    /// <summary>An initiator over the endpoints as they are when it asks: a node added while a change runs is reachable by its restarted checks.</summary>
    public Initiator Initiator(IInitiatorProgress? progress) =>
        new(new LiveEndpoints(endpoints), Guid.NewGuid, progress, Definition.FailureTimeout + TimeSpan.FromSeconds(15));

    /// <summary>A change this session made committed: each endpoint's held groups follow it (the next view sends none of them).</summary>
    public void Committed(Engine.Transactions.Transaction tx)
    {
        foreach (var endpoint in endpoints.Values) endpoint.Committed(tx);
    }

    public PsEndpoint Endpoint(string node) => endpoints.TryGetValue(node, out var endpoint)
        ? endpoint
        : throw new EndpointException(node, ErrorIds.EndpointUnreachable, $"node {node} is not a node of cluster {Definition.Name}.");

    /// <summary>A node's view; without a node, the local node's, or the first node that answers.</summary>
    public async Task<ClusterView> ViewAsync(string? node, CancellationToken ct)
    {
        if (node is not null) return await Endpoint(node).GetViewAsync(ct);
        EndpointException? last = null;
        foreach (var candidate in endpoints.Keys.OrderBy(n => n == LocalNode ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal))
        {
            try { return await endpoints[candidate].GetViewAsync(ct); }
            catch (EndpointException e) { last = e; }
            catch (KeyNotFoundException) { } // removed meanwhile
        }
        throw last ?? new EndpointException(LocalNode, ErrorIds.EndpointUnreachable, "no endpoint is open.");
    }

    public void Dispose()
    {
        foreach (var endpoint in endpoints.Values.Where(e => !adopted.ContainsKey(e.Node))) endpoint.Close();
        endpoints.Clear();
        foreach (var item in owned.Values) item.Dispose();
        owned.Clear();
    }

    /// <summary>The connection's endpoints seen through the engine's interface, read live.</summary>
    private sealed class LiveEndpoints(ConcurrentDictionary<string, PsEndpoint> endpoints) : IReadOnlyDictionary<string, IVmEndpoint>
    {
        public IVmEndpoint this[string key] => endpoints[key];
        public IEnumerable<string> Keys => endpoints.Keys;
        public IEnumerable<IVmEndpoint> Values => endpoints.Values;
        public int Count => endpoints.Count;
        public bool ContainsKey(string key) => endpoints.ContainsKey(key);

        public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out IVmEndpoint value)
        {
            var found = endpoints.TryGetValue(key, out var endpoint);
            value = endpoint!;
            return found;
        }

        public IEnumerator<KeyValuePair<string, IVmEndpoint>> GetEnumerator() =>
            endpoints.Select(e => new KeyValuePair<string, IVmEndpoint>(e.Key, e.Value)).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
