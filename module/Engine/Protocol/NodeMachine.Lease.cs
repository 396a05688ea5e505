using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// The disk lease that breaks an exact-half tie (two nodes, or two halves of an even membership): while such
/// a tie can arise every node renews or tries to take the lease on the shared disks; the side whose node holds
/// it on a majority of them keeps quorum. Without shared disks the first node of the cluster definition breaks it.
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
        if (Phase == NodePhase.Left || VoterCount() % 2 != 0) return;
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

    /// <summary>The voters a tie is counted among: the membership while joined, else the last known membership (or the definition).</summary>
    private int VoterCount()
    {
        if (Phase == NodePhase.Joined && Members.Count > 0) return Members.Count(m => m.State != MemberState.Left);
        var last = LastKnownMembership();
        return last.Count > 0 ? last.Count : peers.Count + 1;
    }

    /// <summary>
    /// On an exact half, whether this side keeps quorum: it holds the lease (this node or one on its side does);
    /// before the first lease round has answered, it does not; with no shared disk, the side holding
    /// <paramref name="first"/> (the voter first in the cluster definition) does.
    /// </summary>
    private bool WinsTie(Func<string, bool> onThisSide, string first)
    {
        if (leaseDisks > 0) return LeaseHolder is { } holder && (holder == self || onThisSide(holder));
        if (leaseRoundPending && lastLeaseRound != DateTimeOffset.MinValue) return false;
        return first == self || onThisSide(first);
    }
}
