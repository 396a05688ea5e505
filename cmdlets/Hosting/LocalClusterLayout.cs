using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Storage;
using VolumeManager.Transport;

namespace VolumeManager.Cmdlets.Hosting;

public enum LocalTransport { Local, Ssh }

/// <summary>How a local cluster's nodes are kept apart: not at all (one loopback address), or one network namespace each.</summary>
public enum LocalIsolation { None, Namespace }

/// <summary>Writes a new local cluster's files: key, sparse disk images with private regions, node folders, cluster.yaml.</summary>
internal static class LocalClusterLayout
{
    public const string DefinitionFile = "cluster.yaml";

    /// <summary>A new cluster over <paramref name="disks"/> new sparse images, or over <paramref name="existing"/> files or block devices when given.</summary>
    public static ClusterDefinition Create(string root, int nodes, int disks, long diskSize, LocalTransport transport, TimeSpan failureTimeout,
        NamespaceNetwork? network = null, IReadOnlyList<string>? existing = null)
    {
        Directory.CreateDirectory(root);
        network?.Save(root);
        var keyFile = Path.Combine(root, "cluster.key");
        ClusterKey.Create(keyFile);
        var diskPaths = existing is null
            ? Enumerable.Range(1, disks).Select(i => CreateDisk(root, $"d{i:D2}", diskSize)).ToList()
            : existing.Select((path, i) => TakeDisk(path, $"d{i + 1:D2}")).ToList();
        var definition = new ClusterDefinition
        {
            Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(root)),
            Id = Guid.NewGuid(),
            KeyFile = keyFile,
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            FailureTimeout = failureTimeout,
            Nodes = Enumerable.Range(1, nodes).Select(i => CreateNode(root, $"n{i}", i - 1, diskPaths, transport, network)).ToList(),
        };
        var file = Path.Combine(root, DefinitionFile);
        File.WriteAllText(file, ClusterDefinitionYaml.Write(definition));
        definition.SourcePath = file;
        return definition;
    }

    private static string CreateDisk(string root, string name, long size)
    {
        var folder = Directory.CreateDirectory(Path.Combine(root, "disks")).FullName;
        var path = Path.Combine(folder, name + ".img");
        // Allocated whole, as a disk is: writes into holes would make each fsync of the agent's small files wait for
        // the image's block allocations to reach the filesystem journal.
        using var image = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, PreallocationSize = size });
        image.SetLength(size);
        image.Write(PrivateRegion.Encode(new PrivateRegionContent { DiskId = Guid.NewGuid(), DiskName = name }));
        image.Flush(flushToDisk: true);
        return path;
    }

    /// <summary>An existing file or block device becomes disk <paramref name="name"/>: its first MiB (the private region) is written over.</summary>
    private static string TakeDisk(string path, string name)
    {
        using var disk = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        disk.Write(PrivateRegion.Encode(new PrivateRegionContent { DiskId = Guid.NewGuid(), DiskName = name }));
        disk.Flush(flushToDisk: true);
        return path;
    }

    /// <summary>
    /// The folders of a node Add-VmNode brings into a running local cluster: its dev folder links to the disks the
    /// first node's does, its endpoint and interconnect like the others' (its own address in a namespace cluster).
    /// </summary>
    public static NodeDefinition AddNode(string root, ClusterDefinition definition, string name, NamespaceNetwork? network)
    {
        var first = definition.Nodes.OrderBy(n => n.Order).First();
        var disks = Directory.EnumerateFileSystemEntries(Path.Combine(Path.GetDirectoryName(first.StateDirectory)!, "dev"))
            .Order(StringComparer.Ordinal).Select(link => new FileInfo(link).LinkTarget ?? link).ToList();
        var transport = first.Endpoint.Kind == EndpointKind.Local ? LocalTransport.Local : LocalTransport.Ssh;
        var node = CreateNode(root, name, definition.Nodes.Max(n => n.Order) + 1, disks, transport, network);
        if (first.Endpoint.Kind == EndpointKind.Ssh && network is null) node.Endpoint.KeyFile = first.Endpoint.KeyFile;
        return node;
    }

    /// <summary>Each node sees the shared disks through links in its own dev folder, so a test can hide one disk from one node.</summary>
    private static NodeDefinition CreateNode(string root, string name, int order, List<string> disks, LocalTransport transport, NamespaceNetwork? network)
    {
        var folder = Path.Combine(root, "nodes", name);
        var dev = Directory.CreateDirectory(Path.Combine(folder, "dev")).FullName;
        for (var i = 0; i < disks.Count; i++) File.CreateSymbolicLink(Path.Combine(dev, $"d{i + 1:D2}-{Path.GetFileName(disks[i])}"), disks[i]);
        if (network is not null) return IsolatedNode(root, name, order, folder, dev, network);
        return new NodeDefinition
        {
            Name = name, Order = order,
            Interconnect = $"127.0.0.1:{Endpoints.ProcessTools.FreeLoopbackPort()}",
            Endpoint = transport == LocalTransport.Local
                ? new EndpointDefinition { Kind = EndpointKind.Local }
                : new EndpointDefinition { Kind = EndpointKind.Ssh, Host = "127.0.0.1", Port = Endpoints.ProcessTools.FreeLoopbackPort(), User = Environment.UserName, KeyFile = Path.Combine(root, "ssh", Endpoints.ClientKey.FileName) },
            Disks = [Path.Combine(dev, "*")],
            StateDirectory = Path.Combine(folder, "state"),
        };
    }

    /// <summary>A node in its own namespace: reached only at its own address, as a host would be (sshd on 22, the agent on 7600).</summary>
    private static NodeDefinition IsolatedNode(string root, string name, int order, string folder, string dev, NamespaceNetwork network) => new()
    {
        Name = name, Order = order,
        Interconnect = $"{network.Address(name)}:{NamespaceNetwork.AgentPort}",
        Endpoint = new EndpointDefinition
        {
            Kind = EndpointKind.Ssh, Host = network.Address(name), Port = NamespaceNetwork.SshPort, User = Environment.UserName,
            KeyFile = Path.Combine(root, "ssh", Endpoints.ClientKey.FileName),
        },
        Disks = [Path.Combine(dev, "*")],
        StateDirectory = Path.Combine(folder, "state"),
    };
}
