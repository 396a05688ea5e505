using VolumeManager.Engine.Storage;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// The disk lease that breaks the two-node tie: in a cluster defined with two nodes every node renews or tries
/// to take the lease on the shared disks; the side whose node holds it on a majority of them keeps quorum.
/// Larger clusters whose membership shrank to an even number, and clusters without shared disks, break a tie
/// by the first node of the cluster definition: there two sides can hold different memberships (a node that
/// left one side may have joined the other), and only a rule every view shares keeps them from both winning.
/// Both nodes count the lease majority over the same whole disk set: the disks of the shared disk groups, every disk a
/// lease round of this node has opened, and every disk the other node said it counts (heartbeats) — so a node that
/// stops seeing disks holds the lease on none of them instead of on a majority of the few it still sees.
/// </summary>
public sealed partial class NodeMachine
{
    /// <summary>The node holding the lease now, if any (as of the last round this node ran).</summary>
    public string? LeaseHolder => leaseDisks > 0 && clock < leaseUntil ? leaseHolder : null;

    private void LeaseTick(DateTimeOffset now)
    {
        if (!TwoNodeCluster || Phase == NodePhase.Left) return;
        if (now - lastLeaseRound < options.LeaseDuration / 4) return;
        lastLeaseRound = now;
        leaseRoundPending = true;
        Emit(new RenewLease(new DiskLease(self, Epoch, now + options.LeaseDuration, now)));
    }

    private void OnLeaseRenewed(LeaseRenewed round)
    {
        leaseRoundPending = false;
        leaseSet.UnionWith(round.Slots.Select(s => s.Disk));
        leaseSet.UnionWith(Database.Shared.SelectMany(g => g.Disks).Select(d => d.Name));
        var (holder, until) = DiskLease.TallyOver(leaseSet, round.Slots, round.Now);
        leaseDisks = leaseSet.Count;
        if (leaseHolder != holder && holder is not null) Log($"{holder} holds the disk lease on a majority of {leaseDisks} shared disks");
        leaseHolder = holder;
        leaseUntil = until;
    }

    /// <summary>What a heartbeat tells the other node of a two-node cluster: the disks this node counts the lease over.</summary>
    private List<string>? LeaseDisksToShare() => TwoNodeCluster && leaseSet.Count > 0 ? [.. leaseSet] : null;

    private void NoteLeaseDisks(Heartbeat beat)
    {
        if (TwoNodeCluster && beat.LeaseDisks is { } disks) leaseSet.UnionWith(disks);
    }

    private bool TwoNodeCluster => peers.Count == 1;

    /// <summary>
    /// On an exact half, whether this side keeps quorum. Two nodes: it holds the lease (before the first lease
    /// round has answered, it does not); without shared disks, or with more nodes defined, the side holding
    /// <paramref name="first"/> (the voter first in the cluster definition) does.
    /// </summary>
    private bool WinsTie(Func<string, bool> onThisSide, string first)
    {
        if (TwoNodeCluster && leaseDisks > 0) return LeaseHolder is { } holder && (holder == self || onThisSide(holder));
        if (TwoNodeCluster && leaseRoundPending) return false;
        return first == self || onThisSide(first);
    }
}
