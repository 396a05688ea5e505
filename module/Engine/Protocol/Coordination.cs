using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

public enum CoordinationPhase { Open, Preparing, NotifyingSuccessor, NotifyingRest }

/// <summary>The coordinator's memory of the one transaction it is running (the cluster's reconfiguration slot).</summary>
public sealed class Coordination
{
    /// <summary>
    /// The error id of a commit request answered "check again": a node joined before prepare, the transaction
    /// now counts it as a member (the response carries the transaction), and the initiator must run the node
    /// checks again on every member, then ask to commit again. (Belongs with ErrorIds; kept here so the
    /// protocol files stay the only ones changed.)
    /// </summary>
    public const string ChecksRestartedErrorId = "ChecksRestarted";

    /// <summary>Replaced (never changed in place) when a node joins before prepare and becomes a member.</summary>
    public Transaction Transaction { get; set; } = new();
    /// <summary>Members joined since the initiator last ran the node checks: the next commit request is answered <see cref="ChecksRestartedErrorId"/>.</summary>
    public bool ChecksRestarted { get; set; }
    public CoordinationPhase Phase { get; set; }
    public long? CommitRequestId { get; set; }
    public HashSet<string> Prepared { get; } = [];
    public HashSet<string> Acknowledged { get; } = [];
    /// <summary>The member told first; null while a new order of succession waits to be held by a majority (<see cref="SuccessionEpoch"/>).</summary>
    public string? Successor { get; set; }
    /// <summary>When the successor was sent the commit notice: past <see cref="ProtocolOptions.SuccessorAckTimeout"/> it is passed over.</summary>
    public DateTimeOffset SuccessorNotifiedAt { get; set; }
    /// <summary>
    /// A decision taken before this node restarted or stepped down (<see cref="NodeMachine"/>'s ResumeDecision): its
    /// successor may have taken over meanwhile and aborted, so it is waited for, never passed over.
    /// </summary>
    public bool Resumed { get; set; }
    /// <summary>The epoch of the membership that passed a dead successor over; the next is told once a majority holds it.</summary>
    public long? SuccessionEpoch { get; set; }
    public DateTimeOffset Deadline { get; set; }
    /// <summary>When commit notices were last (re)sent to the members that have not acknowledged.</summary>
    public DateTimeOffset NotifiedAt { get; set; }
    /// <summary>The coordinator's database at the decision, so disk copies of removed groups can be released.</summary>
    public Model.NodeDatabase? Before { get; set; }

    public bool Decided => Phase is CoordinationPhase.NotifyingSuccessor or CoordinationPhase.NotifyingRest;
}
