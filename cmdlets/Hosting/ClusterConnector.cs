using System.Management.Automation;
using VolumeManager.Cmdlets.Endpoints;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Cmdlets.Remoting;
using VolumeManager.Engine.Cluster;

namespace VolumeManager.Cmdlets.Hosting;

/// <summary>Opens one endpoint session per node of a cluster definition, in parallel, and wraps them as a VmCluster.</summary>
internal static class ClusterConnector
{
    public static async Task<VmCluster> ConnectAsync(ClusterDefinition definition, string transport, PSCmdlet? cmdlet, CancellationToken ct)
    {
        var endpoints = definition.Nodes.Select(Open).ToList();
        var connection = new ClusterConnection(definition, definition.Nodes.OrderBy(n => n.Order).First().Name);
        try
        {
            var sessions = await Task.WhenAll(endpoints.Select(e => e.OpenAsync(null, ct)));
            foreach (var (endpoint, session) in endpoints.Zip(sessions)) connection.Add(endpoint.Node, session, endpoint);
        }
        catch
        {
            foreach (var endpoint in endpoints) endpoint.Dispose();
            throw;
        }
        var cluster = new VmCluster
        {
            Name = definition.Name, Id = definition.Id, LocalNode = connection.LocalNode,
            Path = definition.SourcePath, Transport = transport, Connection = connection,
        };
        ClusterFacts.Refresh(cluster, await connection.ViewAsync(null, ct));
        return cluster;
    }

    /// <summary>A node's endpoint as its definition names it (not yet open).</summary>
    public static NodeEndpoint Open(NodeDefinition node) => node.Endpoint.Kind switch
    {
        EndpointKind.Local => new LocalEndpoint(node.Name, NodeEnvironment.For(node))
        {
            ConfigurationFile = NodeSessionConfiguration.Write(Path.Combine(Path.GetDirectoryName(node.StateDirectory)!, NodeSessionConfiguration.FileName), ModuleLayout.NodeManifestPath),
        },
        EndpointKind.Ssh => new SshEndpoint(node.Name, node.Endpoint.Host!, node.Endpoint.Port, node.Endpoint.User ?? Environment.UserName,
            node.Endpoint.KeyFile!, KnownHosts(node)),
        _ => throw new PlatformNotSupportedException($"node {node.Name}: {node.Endpoint.Kind} endpoints need Windows PowerShell remoting (WSMan), which this machine does not have."),
    };

    private static string KnownHosts(NodeDefinition node)
    {
        var folder = Path.GetDirectoryName(node.Endpoint.KeyFile!)!;
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, "known_hosts");
    }
}
