namespace VolumeManager.Cmdlets.Objects;

public sealed class VmNode
{
    public string Name { get; internal set; } = "";
    public string Role { get; internal set; } = "";
    public string State { get; internal set; } = "";
    public int Rank { get; internal set; }
    /// <summary>The node's fixed place in the cluster definition (0 for the first node named): its cluster-membership id.</summary>
    public int NodeId { get; internal set; }
    public bool AgentRunning { get; internal set; }
    public int? AgentProcessId { get; internal set; }
    public long Generation { get; internal set; }
    public string? LastAbortReason { get; internal set; }
    public string Endpoint { get; internal set; } = "";
    public string Address { get; internal set; } = "";
    /// <summary>Interconnect frames and handshakes the node's agent refused as replayed, reordered or redirected since it started (each logged as ReplayRefused); null when the node did not answer.</summary>
    public long? ReplayRefused { get; internal set; }
}
