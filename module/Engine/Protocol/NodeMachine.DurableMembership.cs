using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// The last membership and its epoch survive a restart in the node's database: a cluster forms again only
/// with a majority of the membership the most recent of the discovering nodes knew, not of the cluster
/// definition, so nodes that left (Remove-VmNode, eviction) cannot outvote the members that stayed.
/// </summary>
public sealed partial class NodeMachine
{
    private readonly Dictionary<string, (long Epoch, List<string> Members)> peerMemberships = [];

    /// <summary>The names that count in this node's membership: Joining, Joined or Down, in rank order.</summary>
    private List<string> MembershipNames() =>
        Members.Where(m => m.State != MemberState.Left).OrderBy(m => m.Rank).Select(m => m.Name).ToList();

    /// <summary>
    /// After each input: a changed membership or epoch is made durable before anything this input sends,
    /// and database writes already queued carry it too (a later write must not bring back the old one).
    /// </summary>
    private void MakeMembershipDurable()
    {
        if (Members.Count == 0) return; // dissolved or never joined: the last membership stays what it was
        var names = MembershipNames();
        if (Database.Epoch == Epoch && Database.Membership.SequenceEqual(names)) return;
        Database = WithMembership(Database, names);
        for (var i = 0; i < outbox.Count; i++)
            if (outbox[i] is PersistDatabase queued) outbox[i] = new PersistDatabase(WithMembership(queued.Database, names));
        outbox.Insert(0, new PersistDatabase(Database));
    }

    private NodeDatabase WithMembership(NodeDatabase database, List<string> names)
    {
        var db = database.Clone();
        db.Epoch = Epoch;
        db.Membership = [.. names];
        return db;
    }

    /// <summary>
    /// A change of the definition settled at start (<see cref="SettleAppliedCommit"/>), no membership in memory yet: the
    /// durable last membership takes it at its own epoch, as a member's does at the commit. Put in the empty membership
    /// instead, the added node alone became the last membership, and this node, the one at the newest generation, never
    /// had a quorum to form the cluster again (chaos seed 4451).
    /// </summary>
    private void SettleDurableMembership(string node, bool added)
    {
        if (Database.Membership.Count == 0) return; // never joined: the defined nodes are the voters
        var names = Database.Membership.Where(n => n != node).ToList();
        if (added) names.Add(node);
        Database = Database.Clone();
        Database.Membership = names;
        Emit(new PersistDatabase(Database));
    }

    private void NotePeerMembership(DiscoverReply reply) =>
        peerMemberships[reply.From] = (reply.LastMembershipEpoch, [.. reply.LastMembership]);

    /// <summary>The most recent last membership among this node and the peers discovering with it; empty if none ever joined.</summary>
    private List<string> LastKnownMembership()
    {
        var (epoch, members) = (Database.Epoch, Database.Membership);
        foreach (var (peer, known) in peerMemberships)
            if (peerGenerations.ContainsKey(peer) && known.Members.Count > 0 && (members.Count == 0 || known.Epoch > epoch))
                (epoch, members) = known;
        return members;
    }

    /// <summary>
    /// A cluster forms only on a side that holds a majority of the last membership the discovering nodes know
    /// (of the defined nodes when none ever joined); on an exact half, the half holding the disk lease. A
    /// partitioned minority that boots must not form a second cluster.
    /// </summary>
    private bool FormingQuorum() => FormingQuorum(peerGenerations.ContainsKey);

    /// <summary>The same, counting as present this node and the peers <paramref name="present"/> names.</summary>
    private bool FormingQuorum(Func<string, bool> isPresent)
    {
        var (voters, present) = FormingVoters(isPresent);
        if (present.Count * 2 != voters.Count) return present.Count * 2 > voters.Count;
        return WinsTie(present.Contains, voters.MinBy(OrderOf)!);
    }

    /// <summary>The last membership the discovering nodes know (every defined node when none ever joined), and those of it this node hears.</summary>
    private (List<string> Voters, List<string> Present) FormingVoters() => FormingVoters(peerGenerations.ContainsKey);

    private (List<string> Voters, List<string> Present) FormingVoters(Func<string, bool> isPresent)
    {
        var last = LastKnownMembership();
        var voters = last.Count > 0 ? last : [self, .. peers.Select(p => p.Name)];
        return (voters, voters.Where(v => v == self || isPresent(v)).ToList());
    }

    /// <summary>Why a node without a master makes no change: it hears too few of the last membership to form a cluster; null when it could form one.</summary>
    private string? NoFormingQuorumReason()
    {
        if (Phase == NodePhase.Joined || FormingQuorum()) return null;
        var (voters, present) = FormingVoters();
        var tie = present.Count * 2 == voters.Count ? " and does not hold the disk lease that breaks the tie" : "";
        return $"node {self} reaches {present.Count} of the {voters.Count} members of the last membership ({string.Join(", ", voters.OrderBy(OrderOf))}){tie}; " +
            "without a majority it forms no cluster and makes no change.";
    }

    /// <summary>The first membership of a cluster formed here: the last known membership (or every defined node), with this node master.</summary>
    private List<MemberInfo> FormingMembership()
    {
        var last = LastKnownMembership();
        var expected = peers.Where(p => last.Count == 0 || last.Contains(p.Name)).OrderBy(p => p.Order);
        return [SelfMember(rank: 0), .. expected.Select((p, i) => new MemberInfo { Name = p.Name, Rank = i + 1, Address = p.Address, State = MemberState.Joining })];
    }
}
