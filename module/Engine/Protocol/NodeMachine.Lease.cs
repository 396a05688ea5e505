using VolumeManager.Engine.Storage;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// The disk lease that breaks the two-node tie: in a cluster defined with two nodes every node renews or tries
/// to take the lease on the shared disks; the side whose node holds it on a majority of them keeps quorum.
/// Larger clusters whose membership shrank to an even number, and clusters without shared disks, break a tie
/// by the first node of the cluster definition: there two sides can hold different memberships (a node that
/// left one side may have joined the other), and only a rule every view shares keeps them from both winning.
/// </summary>
public sealed partial class NodeMachine
{
    private DateTimeOffset clock;
    private DateTimeOffset lastLeaseRound = DateTimeOffset.MinValue;
    private bool leaseRoundPending;
    private int leaseDisks;
    private string? leaseHolder;
    private DateTimeOffset leaseUntil;

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
        leaseDisks = round.Disks;
        if (leaseHolder != round.Holder && round.Holder is not null) Log($"{round.Holder} holds the disk lease on a majority of {round.Disks} shared disks");
        leaseHolder = round.Holder;
        leaseUntil = round.Until;
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
