using System.Text.Json.Serialization;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;
using VolumeManager.Engine.Cluster;

namespace VolumeManager.Engine.Protocol;

/// <summary>An interconnect message between agents. One type per protocol step.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(Discover), nameof(Discover))]
[JsonDerivedType(typeof(DiscoverReply), nameof(DiscoverReply))]
[JsonDerivedType(typeof(JoinRequest), nameof(JoinRequest))]
[JsonDerivedType(typeof(JoinAccepted), nameof(JoinAccepted))]
[JsonDerivedType(typeof(MembershipUpdate), nameof(MembershipUpdate))]
[JsonDerivedType(typeof(Heartbeat), nameof(Heartbeat))]
[JsonDerivedType(typeof(LeaveNotice), nameof(LeaveNotice))]
[JsonDerivedType(typeof(Prepare), nameof(Prepare))]
[JsonDerivedType(typeof(Prepared), nameof(Prepared))]
[JsonDerivedType(typeof(CommitNotice), nameof(CommitNotice))]
[JsonDerivedType(typeof(CommitAck), nameof(CommitAck))]
[JsonDerivedType(typeof(AbortNotice), nameof(AbortNotice))]
[JsonDerivedType(typeof(OutcomeQuery), nameof(OutcomeQuery))]
[JsonDerivedType(typeof(KernelChangeProposal), nameof(KernelChangeProposal))]
[JsonDerivedType(typeof(KernelChangeAnswer), nameof(KernelChangeAnswer))]
[JsonDerivedType(typeof(RangeRepair), nameof(RangeRepair))]
[JsonDerivedType(typeof(RangeRepaired), nameof(RangeRepaired))]
public abstract class Message
{
    public string From { get; set; } = "";
    public long Epoch { get; set; }
}

/// <summary>A starting agent asks who the master is.</summary>
public sealed class Discover : Message
{
    /// <summary>
    /// Set when the sender is about to form the cluster (its generation): a discovering peer that answers with
    /// <see cref="DiscoverReply.PromisedTo"/> joins it and no other master for a while.
    /// </summary>
    public long? FormingAt { get; set; }
}

public sealed class DiscoverReply : Message
{
    public string? Master { get; set; }
    public List<MemberInfo> Members { get; set; } = [];
    /// <summary>The replying node's durable last membership and its epoch (<see cref="NodeDatabase.Membership"/>).</summary>
    public List<string> LastMembership { get; set; } = [];
    public long LastMembershipEpoch { get; set; }
    /// <summary>The node forming the cluster that the replying node promised to join (its answer to <see cref="Discover.FormingAt"/>).</summary>
    public string? PromisedTo { get; set; }
}

public sealed class JoinRequest : Message
{
    public string Address { get; set; } = "";
    public int ProcessId { get; set; }
    public long Generation { get; set; }
}

/// <summary>The master admits a node and hands it the cluster's configuration.</summary>
public sealed class JoinAccepted : Message
{
    public string Master { get; set; } = "";
    public List<MemberInfo> Members { get; set; } = [];
    public long Generation { get; set; }
    public List<DiskGroup> Shared { get; set; } = [];
    public Guid ClusterId { get; set; }
    /// <summary>
    /// The shared transaction that produced the master's generation (<see cref="NodeDatabase.LastTransaction"/>): committed,
    /// whether or not the master holds its outcome (a node that joined and stopped before writing the outcomes it was given).
    /// </summary>
    public string? LastTransaction { get; set; }
    /// <summary>The master's final outcomes, so a returning node settles what it left in doubt.</summary>
    public List<TransactionRecord> Outcomes { get; set; } = [];
    /// <summary>
    /// The master's cluster definition (names and interconnect addresses): a joiner takes it, dropping the peers it
    /// lacks and adding those it has (removed or added while the joiner was away, or before the joiner was added).
    /// </summary>
    public List<NodeDefinition> Definition { get; set; } = [];
    /// <summary>
    /// The joiner was outside the membership (never a member, or Left): it adds a voter, and counts as one only once a
    /// majority of the members before it hold this epoch (<see cref="NodeMachine"/>'s pending voters).
    /// </summary>
    public bool NewVoter { get; set; }
}

public sealed class MembershipUpdate : Message
{
    public string Master { get; set; } = "";
    public List<MemberInfo> Members { get; set; } = [];
    /// <summary>
    /// Set when the master passes over the successor of a change it decided to commit: that change's id. The member
    /// passed over may have committed it, so a member that takes over commits it too instead of aborting it.
    /// </summary>
    public string? Decided { get; set; }
    /// <summary>
    /// The sender's generation (null from a sender that does not say): a member that has since applied a change of the
    /// cluster definition knows the update's members predate it.
    /// </summary>
    public long? Generation { get; set; }
}

public sealed class Heartbeat : Message
{
    public int ProcessId { get; set; }
    public long Generation { get; set; }
    public string? LastAbortReason { get; set; }
    /// <summary>(Two-node clusters.) The disks the sender counts its lease majority over, so both count over the same set.</summary>
    public List<string>? LeaseDisks { get; set; }
    /// <summary>The master the sender follows (itself when master): a master of its own speaks at its own epochs.</summary>
    public string? Master { get; set; }
}

public sealed class LeaveNotice : Message { }

public sealed class Prepare : Message
{
    public Transaction Transaction { get; set; } = new();
}

public sealed class Prepared : Message
{
    public string TransactionId { get; set; } = "";
    public bool Ok { get; set; }
    public string? ErrorId { get; set; }
    public string? Reason { get; set; }
    /// <summary>Set when a participant in doubt asks again: the base generation of the shared transaction it prepared.</summary>
    public long? InDoubtBase { get; set; }
}

/// <summary>The decision to commit. The successor gets it first.</summary>
public sealed class CommitNotice : Message
{
    public string TransactionId { get; set; } = "";
    public Transaction? Transaction { get; set; }
    /// <summary>
    /// Sent to the successor while the coordinator's decision is still being made durable (the two syncs overlap): the
    /// successor's own commit record is then the decision's only durable copy, so it resumes I/O only once that is written.
    /// </summary>
    public bool AheadOfDecision { get; set; }
}

public sealed class CommitAck : Message
{
    public string TransactionId { get; set; } = "";
    public long Generation { get; set; }
}

public sealed class AbortNotice : Message
{
    public string TransactionId { get; set; } = "";
    public string ErrorId { get; set; } = "";
    public string Reason { get; set; } = "";
    public List<string> FailedNodes { get; set; } = [];
}

/// <summary>
/// The coordinator of a transaction, back from a restart with no durable decision for it, asks the member it would have
/// told first (<see cref="Transactions.TransactionRecord.NotifyFirst"/> of its prepare record): that member answers the
/// outcome it recorded, or, still prepared, aborts it and says so, so no commit notice still on its way can commit it there.
/// </summary>
public sealed class OutcomeQuery : Message
{
    public string TransactionId { get; set; } = "";
}

/// <summary>A member's kernel asks the master for a change of its own (a plex detach): the master opens and commits it.</summary>
public sealed class KernelChangeProposal : Message
{
    /// <summary>The request on the asking node this answers.</summary>
    public long Ref { get; set; }
    public List<Operations.Operation> Operations { get; set; } = [];
}

/// <summary>The master's answer to a kernel's proposal: the transaction it started, or why it did not.</summary>
public sealed class KernelChangeAnswer : Message
{
    public long Ref { get; set; }
    public bool Ok { get; set; }
    public string? TransactionId { get; set; }
    public string? ErrorId { get; set; }
    public string? Error { get; set; }
}

/// <summary>
/// A member asks the coordinator to repair a range its failed write left different between the plexes (NodeMachine.Repair);
/// the coordinator passes it on, <see cref="Assigned"/>, to the member it names to repair it.
/// </summary>
public sealed class RangeRepair : Message
{
    /// <summary>The request on the asking node this answers.</summary>
    public long Ref { get; set; }
    public string Requester { get; set; } = "";
    public string DiskGroup { get; set; } = "";
    public string Volume { get; set; } = "";
    public long Offset { get; set; }
    public long Length { get; set; }
    /// <summary>The group's id and generation on the requester when it asked: the configuration its failed write was on.</summary>
    public Guid GroupId { get; set; }
    public long GroupGeneration { get; set; }
    /// <summary>Set by the coordinator: the receiver is the repairer.</summary>
    public bool Assigned { get; set; }
}

/// <summary>The repairer's answer to the requester: the plexes hold the same bytes over the range, or why not.</summary>
public sealed class RangeRepaired : Message
{
    public long Ref { get; set; }
    public bool Ok { get; set; }
    public string? ErrorId { get; set; }
    public string? Error { get; set; }
}
