using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

public enum CoordinationPhase { Open, Preparing, NotifyingSuccessor, NotifyingRest }

/// <summary>The coordinator's memory of the one transaction it is running (the cluster's reconfiguration slot).</summary>
public sealed class Coordination
{
    public Transaction Transaction { get; init; } = new();
    public CoordinationPhase Phase { get; set; }
    public long? CommitRequestId { get; set; }
    public HashSet<string> Prepared { get; } = [];
    public HashSet<string> Acknowledged { get; } = [];
    public string? Successor { get; set; }
    public DateTimeOffset Deadline { get; set; }
    /// <summary>The coordinator's database at the decision, so disk copies of removed groups can be released.</summary>
    public Model.NodeDatabase? Before { get; set; }

    public bool Decided => Phase is CoordinationPhase.NotifyingSuccessor or CoordinationPhase.NotifyingRest;
}
