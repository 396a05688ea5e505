namespace VolumeManager.Engine.Protocol;

/// <summary>Timing of membership and reconfiguration, per cluster.</summary>
public sealed class ProtocolOptions
{
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(250);
    /// <summary>An agent silent this long is Down (still a member; every change fails naming it).</summary>
    public TimeSpan DownAfter { get; set; } = TimeSpan.FromMilliseconds(1000);
    /// <summary>A Down member silent this long is evicted: it has Left.</summary>
    public TimeSpan FailureTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan DiscoverTimeout { get; set; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan PrepareTimeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>
    /// A successor that has not acknowledged a decided change's commit notice this long is counted Down, and the
    /// next member in succession is told first instead: every member's I/O stays frozen until the successor answers.
    /// </summary>
    public TimeSpan SuccessorAckTimeout { get; set; } = TimeSpan.FromMilliseconds(1000);
    /// <summary>How long a disk lease lasts unless renewed; a two-node cluster's nodes renew it every quarter of it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(4);
}
