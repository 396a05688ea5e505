using System.Text.Json.Serialization;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>A request from the node's endpoint to its own agent over the control socket.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(ViewQuery), nameof(ViewQuery))]
[JsonDerivedType(typeof(TransactionsQuery), nameof(TransactionsQuery))]
[JsonDerivedType(typeof(BeginRequest), nameof(BeginRequest))]
[JsonDerivedType(typeof(CheckRequest), nameof(CheckRequest))]
[JsonDerivedType(typeof(CommitRequest), nameof(CommitRequest))]
[JsonDerivedType(typeof(AbortRequest), nameof(AbortRequest))]
[JsonDerivedType(typeof(LeaveRequest), nameof(LeaveRequest))]
[JsonDerivedType(typeof(RejoinRequest), nameof(RejoinRequest))]
[JsonDerivedType(typeof(FaultRequest), nameof(FaultRequest))]
[JsonDerivedType(typeof(VolumeWriteRequest), nameof(VolumeWriteRequest))]
[JsonDerivedType(typeof(VolumeReadRequest), nameof(VolumeReadRequest))]
[JsonDerivedType(typeof(DiskCopiesQuery), nameof(DiskCopiesQuery))]
[JsonDerivedType(typeof(KernelQuery), nameof(KernelQuery))]
[JsonDerivedType(typeof(KernelChangeRequest), nameof(KernelChangeRequest))]
[JsonDerivedType(typeof(RepairRangeRequest), nameof(RepairRangeRequest))]
[JsonDerivedType(typeof(ConfigBackupsQuery), nameof(ConfigBackupsQuery))]
[JsonDerivedType(typeof(TaskControlRequest), nameof(TaskControlRequest))]
public abstract class ControlRequest { }

/// <summary>This node's view: membership, shared configuration, its private disk groups and the disks it sees.</summary>
public sealed class ViewQuery : ControlRequest
{
    /// <summary>Only the node's own generation and its membership: no disk groups, disks or hash (cheap at any size).</summary>
    public bool MembersOnly { get; set; }

    /// <summary>
    /// The <see cref="ClusterView.GroupsToken"/> of the groups the caller holds (read in a view, then maybe changed by the
    /// caller's own committed transactions): while this node's disk groups are still those, the reply leaves them out
    /// (<see cref="ClusterView.GroupsOmitted"/>) and the caller uses its own.
    /// </summary>
    public string? KnownGroups { get; set; }

    /// <summary>Filled in by the agent host from its disk scan, not by the caller.</summary>
    public List<DiskInfo> Visible { get; set; } = [];
}

public sealed class TransactionsQuery : ControlRequest
{
    public string? Id { get; set; }
}

/// <summary>Opens a transaction at its coordinator (the master, or the owner of a private disk group).</summary>
public sealed class BeginRequest : ControlRequest
{
    public TransactionScope Scope { get; set; }
    public string? Owner { get; set; }
    public string Initiator { get; set; } = "";
    public List<Operation> Operations { get; set; } = [];
    /// <summary>The id the initiator already proposed the transaction under to the other members; a fresh one when null or taken.</summary>
    public string? Id { get; set; }
    /// <summary>Also run this node's checks on the transaction it opens and answer them (<see cref="ControlResponse.Check"/>): begin and check in one call.</summary>
    public bool Check { get; set; }
    /// <summary>Filled in by the agent host from its disk scan when <see cref="Check"/> is set, not by the caller.</summary>
    public List<DiskInfo> Visible { get; set; } = [];
}

/// <summary>
/// A change the node's own kernel starts (a plex detach), without a cmdlet: the coordinator of the group opens and
/// commits it with the protocol's prepare checks. Answered with the transaction started (its outcome is learnt as every
/// member learns one), or why none was.
/// </summary>
public sealed class KernelChangeRequest : ControlRequest
{
    public TransactionScope Scope { get; set; }
    public List<Operation> Operations { get; set; } = [];
}

/// <summary>
/// The node's kernel asks for a range of a volume to be made equal on every plex by a node that reaches them all (a
/// failed write reached some plexes and not one that stays attached); answered once it is, or with why it is not.
/// </summary>
public sealed class RepairRangeRequest : ControlRequest
{
    public string DiskGroup { get; set; } = "";
    public string Volume { get; set; } = "";
    public long Offset { get; set; }
    public long Length { get; set; }
}

public sealed class CheckRequest : ControlRequest
{
    public Transaction Transaction { get; set; } = new();
    /// <summary>Filled in by the agent host from its disk scan, not by the caller.</summary>
    public List<DiskInfo> Visible { get; set; } = [];
}

public sealed class CommitRequest : ControlRequest
{
    public string TransactionId { get; set; } = "";
}

public sealed class AbortRequest : ControlRequest
{
    public string TransactionId { get; set; } = "";
    public List<NodeFailure> Failures { get; set; } = [];
    /// <summary>Why, when no node failed (a -CheckOnly proposal is withdrawn).</summary>
    public string? Reason { get; set; }
    /// <summary>The abort's error id when no node failed (<see cref="ErrorIds.CheckedOnly"/> for a -CheckOnly proposal).</summary>
    public string? ErrorId { get; set; }
    /// <summary>
    /// Sent to a node that checked a proposal which will not reach it: its coordinator refused to open it (with the
    /// refusal's <see cref="ErrorId"/>: the check's record ends Aborted), or opened it without the node (no error id: the check is forgotten).
    /// </summary>
    public bool Withdrawn { get; set; }
}

public sealed class LeaveRequest : ControlRequest { }

/// <summary>A node that left cleanly, its agent still running, asks to join again.</summary>
public sealed class RejoinRequest : ControlRequest { }

/// <summary>
/// Test harness only, honoured by an agent started with fault injection enabled: arm a fault
/// ("crash-before:Prepared", "hold-before:ReplyCheckRequest", ...) or release what a hold kept back.
/// Handled by the agent host, never by the state machine.
/// </summary>
public sealed class FaultRequest : ControlRequest
{
    public string? Arm { get; set; }
    public bool Release { get; set; }
}

/// <summary>A write through this node's kernel to every plex of a volume; answered when durable.</summary>
public sealed class VolumeWriteRequest : ControlRequest
{
    public string DiskGroup { get; set; } = "";
    public string Volume { get; set; } = "";
    public long Offset { get; set; }
    public byte[] Data { get; set; } = [];
}

/// <summary>A read through this node's kernel from an active plex of a volume.</summary>
public sealed class VolumeReadRequest : ControlRequest
{
    public string DiskGroup { get; set; } = "";
    public string Volume { get; set; } = "";
    public long Offset { get; set; }
    public int Length { get; set; }
}

/// <summary>Every answer: success or an error id with failing nodes, plus the payload of the request kind.</summary>
public sealed class ControlResponse
{
    public bool Ok { get; set; }
    public string? ErrorId { get; set; }
    public string? Error { get; set; }
    public List<NodeFailure> Failures { get; set; } = [];
    public ClusterView? View { get; set; }
    public Transaction? Transaction { get; set; }
    public TransactionRecord? Record { get; set; }
    public List<TransactionRecord> Records { get; set; } = [];
    public NodeCheckResult? Check { get; set; }
    public byte[]? Data { get; set; }
    public List<DiskCopy>? Copies { get; set; }
    public KernelReport? Kernel { get; set; }
    public List<Storage.ConfigBackup>? Backups { get; set; }

    public static ControlResponse Success() => new() { Ok = true };

    public static ControlResponse Failure(string errorId, string error, IEnumerable<NodeFailure>? failures = null) =>
        new() { Ok = false, ErrorId = errorId, Error = error, Failures = failures?.ToList() ?? [] };
}
