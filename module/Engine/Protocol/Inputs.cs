using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Protocol;

/// <summary>Everything that can happen to a node's state machine. Each carries the time it happened.</summary>
public abstract record Input(DateTimeOffset Now);

public sealed record Started(DateTimeOffset Now) : Input(Now);

public sealed record Tick(DateTimeOffset Now) : Input(Now);

public sealed record Received(DateTimeOffset Now, Message Message) : Input(Now);

public sealed record PeerLost(DateTimeOffset Now, string Peer) : Input(Now);

public sealed record Requested(DateTimeOffset Now, long RequestId, ControlRequest Request) : Input(Now);

/// <summary>
/// The kernel has quiesced (or failed to) the disk groups of a transaction, and rescanned the disks; <paramref name="Closed"/>
/// is when it closed their gates (the freeze's start), when the host knows it.
/// </summary>
public sealed record Quiesced(DateTimeOffset Now, string TransactionId, bool Ok, string? Reason, List<DiskInfo> Visible,
    DateTimeOffset? Closed = null) : Input(Now);

/// <summary>
/// A lease round is done: per disk the node could open, what its slot counts as (<see cref="Storage.LeaseSlotStep.Counts"/>).
/// The machine counts the majority over the whole disk set (<see cref="Storage.DiskLease.TallyOver"/>), not over these.
/// </summary>
public sealed record LeaseRenewed(DateTimeOffset Now, IReadOnlyList<Storage.LeaseSlotCount> Slots) : Input(Now);

/// <summary>A <see cref="CopyRange"/> is done: the plexes agree over the range (<paramref name="Ok"/>), or why not.</summary>
public sealed record RangeCopied(DateTimeOffset Now, string Requester, long Ref, bool Ok, string? ErrorId = null, string? Error = null) : Input(Now);
