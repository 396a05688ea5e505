using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// A node that is not a Joined member with a quorum in reach stops the I/O to shared disk groups it would serve from a
/// configuration the others may have moved past: the majority evicts a silent node after the failure timeout and may
/// then detach a plex this node still reads. So a node fences itself well before that — once it has heard no majority
/// for <see cref="FenceAfter"/> (less than the failure timeout), or while it is not Joined — and opens again once it is
/// a Joined member that reaches a quorum. Fenced I/O waits at the gate, as during a change's freeze; it never fails.
/// </summary>
public sealed partial class NodeMachine
{
    /// <summary>The name the kernels give their hold on the shared groups while fenced (never a transaction's id).</summary>
    public const string FenceId = "fence";

    /// <summary>Half the failure timeout at most, so a fenced node has stopped well before a majority evicts it.</summary>
    private TimeSpan FenceAfter => options.DownAfter < options.FailureTimeout / 2 ? options.DownAfter : options.FailureTimeout / 2;

    /// <summary>
    /// How long a successor waits on a master whose connection closed before it takes over: a closed connection does not
    /// prove the master dead (a partition resets it too), and a master alive behind it serves its I/O until it fences,
    /// <see cref="FenceAfter"/> after it last heard a majority — which may be up to a heartbeat later than this node last
    /// heard it. So past that, with <see cref="ProtocolOptions.DownAfter"/> to spare, and never past the failure timeout:
    /// taking over at <see cref="FenceAfter"/> alone, the new master detached a plex the old one still read (chaos seed 29877).
    /// </summary>
    private TimeSpan DownMasterSilence => FenceAfter + options.DownAfter < options.FailureTimeout ? FenceAfter + options.DownAfter : options.FailureTimeout;

    public bool Fenced => fenced;

    private void FenceTick(DateTimeOffset now)
    {
        // Fenced, it opens again only on a majority of members in reach at its epoch: members speaking at a newer one moved
        // on without it (a majority that evicted it may have detached a plex since), and nodes discovering or joining are
        // no members at all (they restarted); it waits for the membership, or its eviction, instead.
        var cut = Phase != NodePhase.Joined || !HasQuorum(m => m.Name != self && now - lastHeard.GetValueOrDefault(m.Name, DateTimeOffset.MinValue) < FenceAfter
            && (!fenced || heardEpoch.GetValueOrDefault(m.Name) <= Epoch && !lookingForCluster.Contains(m.Name)));
        if (cut && !fenced)
            FenceShared(Phase != NodePhase.Joined ? $"not a Joined member ({Phase})" : $"no majority of the members heard for {FenceAfter.TotalSeconds:0.###} s");
        else if (!cut && fenced)
        {
            fenced = false;
            Log("fence lifted: a Joined member with a quorum in reach");
            Emit(new Unfence());
        }
    }

    /// <summary>Holds the I/O to every shared group at the gate (a node with none has nothing to hold), saying why.</summary>
    private void FenceShared(string why)
    {
        if (fenced || Database.Shared.Count == 0) return;
        var shared = Database.Shared.Select(g => g.Name).ToList();
        fenced = true;
        Log($"fenced: {why}; I/O to {string.Join(", ", shared)} waits");
        Emit(new Fence(shared));
    }
}
