using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>What the state machine asks its host to do, in order. Persist effects complete (fsync) before later sends.</summary>
public abstract record Effect;

public sealed record Send(string To, Message Message) : Effect;

public sealed record PersistDatabase(NodeDatabase Database) : Effect;

public sealed record PersistRecord(TransactionRecord Record) : Effect;

public sealed record Reply(long RequestId, ControlResponse Response) : Effect;

/// <summary>Block new I/O to the disk groups, drain I/O in flight, rescan the disks, then feed back <see cref="Quiesced"/>.</summary>
public sealed record Quiesce(string TransactionId, List<string> DiskGroups) : Effect;

public sealed record Resume(string TransactionId) : Effect;

/// <summary>Close the shared groups' gates to new I/O and keep them closed, drained or not, until <see cref="Unfence"/> (see NodeMachine.Fencing).</summary>
public sealed record Fence(List<string> DiskGroups) : Effect;

public sealed record Unfence : Effect;

/// <summary>The master writes each changed disk group's configuration copy into its disks' private regions.</summary>
public sealed record WriteDiskCopies(NodeDatabase Before, NodeDatabase After, List<string> DiskGroups) : Effect
{
    /// <summary>Groups the transaction deported: their last configuration stays on their disks, at the new generation.</summary>
    public List<string> Deported { get; init; } = [];
}

/// <summary>
/// (Two-node clusters.) Write this node's lease into the lease slot of every shared disk it can open where the node's
/// <see cref="Storage.LeaseSlots"/> say so (read, decide, write, fsync), then feed back <see cref="LeaseRenewed"/> with
/// what each slot counts as.
/// </summary>
public sealed record RenewLease(Storage.DiskLease Lease) : Effect;

/// <summary>A committed AddNode: the host adds the node to its interconnect peers and its cluster definition file (durably).</summary>
public sealed record DefineNode(Cluster.NodeDefinition Node) : Effect;

/// <summary>A committed RemoveNode: the host drops the peer and takes the node out of its cluster definition file (durably).</summary>
public sealed record UndefineNode(string Node) : Effect;

/// <summary>
/// Copy a volume's range from its first Active plex to the others in the group's gate (checking the copy against
/// concurrent writes), then feed back <see cref="RangeCopied"/> for <paramref name="Requester"/>'s request <paramref name="Ref"/>.
/// </summary>
public sealed record CopyRange(string Requester, long Ref, string DiskGroup, string Volume, long Offset, long Length, Guid GroupId, long GroupGeneration) : Effect
{
    /// <summary>
    /// Whether <paramref name="group"/> is the configuration the requester asked on (same group, same generation): only then
    /// does this node's view of the plexes say which is the source and which are to be written.
    /// </summary>
    public bool OnConfiguration(Model.DiskGroup? group) => group is not null && group.Id == GroupId && group.Generation == GroupGeneration;

    /// <summary>Why <paramref name="node"/>, no longer on that configuration when the copy would start, did not copy.</summary>
    public string MovedOn(string node) => $"node {node} no longer holds disk group '{DiskGroup}' at generation {GroupGeneration}.";
}

public sealed record Log(string Text) : Effect;
