using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Engine.Cluster;

/// <summary>The cluster definition file (cluster.yaml): the cluster's identity, key, timing and nodes.</summary>
public sealed class ClusterDefinition
{
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan DefaultFailureTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultIoDrainTimeout = TimeSpan.FromSeconds(5);

    public string Name { get; set; } = "";
    public Guid Id { get; set; }
    public string KeyFile { get; set; } = "";
    public TimeSpan HeartbeatInterval { get; set; } = DefaultHeartbeatInterval;
    public TimeSpan FailureTimeout { get; set; } = DefaultFailureTimeout;
    /// <summary>How long a node's kernel waits at prepare for I/O in flight to drain before it refuses to prepare.</summary>
    public TimeSpan IoDrainTimeout { get; set; } = DefaultIoDrainTimeout;
    public List<NodeDefinition> Nodes { get; set; } = [];
    /// <summary>How many configurations of each disk group every node keeps as backups (cluster.yaml "configBackups", default 5).</summary>
    public int ConfigBackups { get; set; } = Storage.Rotation.DefaultKeep;
    /// <summary>Where the definition was read from (the name given to the parser); not written.</summary>
    public string? SourcePath { get; set; }

    public NodeDefinition? FindNode(string name) => Nodes.FirstOrDefault(n => NameRules.Same(n.Name, name));

    public ProtocolOptions ToProtocolOptions() => new()
    {
        HeartbeatInterval = HeartbeatInterval,
        DownAfter = HeartbeatInterval * 10,
        FailureTimeout = FailureTimeout,
        DiscoverTimeout = HeartbeatInterval * 5,
    };

    public IReadOnlyList<PeerAddress> Peers() => Nodes.Select(n => new PeerAddress(n.Name, n.Interconnect, n.Order)).ToList();
}
