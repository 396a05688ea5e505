using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Protocol;

/// <summary>Membership: discovery, forming, joining, heartbeats, failure detection, eviction, takeover.</summary>
public sealed partial class NodeMachine
{
    private readonly Dictionary<string, DateTimeOffset> lastHeard = [];
    private readonly HashSet<string> discoveringPeers = [];
    private readonly List<JoinRequest> pendingJoins = [];
    private DateTimeOffset discoverDeadline;
    private DateTimeOffset lastHeartbeat;

    private void OnStarted(DateTimeOffset now)
    {
        Phase = NodePhase.Discovering;
        StartDiscovery(now);
    }

    private void StartDiscovery(DateTimeOffset now)
    {
        discoveringPeers.Clear();
        discoverDeadline = now + options.DiscoverTimeout;
        foreach (var peer in peers) SendTo(peer.Name, new Discover());
    }

    private void OnTick(DateTimeOffset now)
    {
        switch (Phase)
        {
            case NodePhase.Discovering when now >= discoverDeadline: FormOrRetry(now); break;
            case NodePhase.Joining when now >= discoverDeadline: StartDiscovery(now); break;
            case NodePhase.Joined: JoinedTick(now); break;
        }
    }

    /// <summary>No master answered: the lowest-ordered node still discovering forms the cluster.</summary>
    private void FormOrRetry(DateTimeOffset now)
    {
        var lower = peers.Any(p => p.Order < selfAddress.Order && discoveringPeers.Contains(p.Name));
        if (lower) { StartDiscovery(now); return; }
        Epoch++;
        Master = self;
        Members = [SelfMember(rank: 0)];
        Phase = NodePhase.Joined;
        Log($"formed the cluster as master at epoch {Epoch}, generation {Database.Generation}");
    }

    private MemberInfo SelfMember(int rank) => new()
    {
        Name = self, Rank = rank, Address = selfAddress.Address, State = MemberState.Joined,
        ProcessId = processId, Generation = Database.Generation, LastAbortReason = LastAbortReason,
    };

    private void OnDiscover(Discover d)
    {
        if (Phase == NodePhase.Discovering) discoveringPeers.Add(d.From);
        SendTo(d.From, new DiscoverReply { Master = Phase == NodePhase.Joined ? Master : null, Members = Members });
    }

    private void OnDiscoverReply(DateTimeOffset now, DiscoverReply reply)
    {
        if (Phase is not NodePhase.Discovering || reply.Master is null)
        {
            if (Phase == NodePhase.Discovering && reply.Master is null) discoveringPeers.Add(reply.From);
            return;
        }
        if (reply.Master == self) { ResumeMastership(now, reply); return; }
        Phase = NodePhase.Joining;
        discoverDeadline = now + options.DiscoverTimeout * 4;
        SendTo(reply.Master, new JoinRequest { Address = selfAddress.Address, ProcessId = processId, Generation = Database.Generation });
    }

    /// <summary>This agent restarted before the others evicted it: it is still master.</summary>
    private void ResumeMastership(DateTimeOffset now, DiscoverReply reply)
    {
        Members = reply.Members.Select(m => m.Clone()).ToList();
        var me = Member(self)!;
        me.State = MemberState.Joined;
        me.ProcessId = processId;
        Epoch = Math.Max(Epoch, reply.Epoch) + 1;
        Master = self;
        Phase = NodePhase.Joined;
        foreach (var other in Others) lastHeard[other] = now;
        Log($"resumed as master at epoch {Epoch}");
        BroadcastMembership();
    }

    private void OnJoinRequest(DateTimeOffset now, JoinRequest join)
    {
        if (!IsMaster)
        {
            SendTo(join.From, new DiscoverReply { Master = Phase == NodePhase.Joined ? Master : null, Members = Members });
            return;
        }
        if (Active is not null)
        {
            pendingJoins.RemoveAll(j => j.From == join.From);
            pendingJoins.Add(join);
            Log($"join of {join.From} waits for transaction {Active.Transaction.Id}");
            return;
        }
        Admit(now, join);
    }

    private void Admit(DateTimeOffset now, JoinRequest join)
    {
        var member = Member(join.From);
        if (member is null || member.State == MemberState.Left)
        {
            Members.RemoveAll(m => m.Name == join.From);
            member = new MemberInfo { Name = join.From, Rank = Members.Max(m => m.Rank) + 1 };
            Members.Add(member);
        }
        member.Address = join.Address;
        member.State = MemberState.Joined;
        member.ProcessId = join.ProcessId;
        member.Generation = Database.Generation;
        lastHeard[join.From] = now;
        Epoch++;
        Log($"admitted {join.From} at rank {member.Rank}, epoch {Epoch}");
        SendTo(join.From, new JoinAccepted
        {
            Master = self, Members = Members, Generation = Database.Generation, ClusterId = Database.ClusterId,
            Shared = Database.Shared, Outcomes = Records.Where(r => r.IsFinal).ToList(),
        });
        foreach (var other in Others.Where(o => o != join.From)) SendTo(other, new MembershipUpdate { Master = self, Members = Members });
    }

    private void AdmitPendingJoins(DateTimeOffset now)
    {
        var joins = pendingJoins.ToList();
        pendingJoins.Clear();
        foreach (var join in joins) Admit(now, join);
    }

    private void OnJoinAccepted(DateTimeOffset now, JoinAccepted accepted)
    {
        var db = Database.Clone();
        db.ClusterId = accepted.ClusterId;
        db.Generation = accepted.Generation;
        db.Shared = accepted.Shared.Select(g => g.Clone()).ToList();
        Database = db;
        Emit(new PersistDatabase(db));
        AdoptMembership(accepted.Epoch, accepted.Master, accepted.Members);
        Phase = NodePhase.Joined;
        ResolveFromOutcomes(now, accepted.Outcomes);
        foreach (var other in Others) lastHeard[other] = now;
        Log($"joined the cluster at epoch {Epoch}; master {Master}, generation {Database.Generation}");
    }

    private void OnMembershipUpdate(MembershipUpdate update)
    {
        if (update.Epoch < Epoch || Phase != NodePhase.Joined) return;
        AdoptMembership(update.Epoch, update.Master, update.Members);
        if (Member(self) is { State: MemberState.Left }) Phase = NodePhase.Left;
    }

    private void AdoptMembership(long epoch, string master, List<MemberInfo> members)
    {
        Epoch = epoch;
        Master = master;
        Members = members.Select(m => m.Clone()).ToList();
    }

    private void BroadcastMembership()
    {
        foreach (var other in Others) SendTo(other, new MembershipUpdate { Master = self, Members = Members });
    }

    private void JoinedTick(DateTimeOffset now)
    {
        if (now - lastHeartbeat >= options.HeartbeatInterval) SendHeartbeats(now);
        if (IsMaster) DetectFailures(now);
        else WatchMaster(now);
        CoordinatorTick(now);
    }

    private void SendHeartbeats(DateTimeOffset now)
    {
        lastHeartbeat = now;
        if (Member(self) is { } me) { me.Generation = Database.Generation; me.LastAbortReason = LastAbortReason; }
        foreach (var other in Others)
            SendTo(other, new Heartbeat { ProcessId = processId, Generation = Database.Generation, LastAbortReason = LastAbortReason });
    }

    private void Heard(string from, DateTimeOffset now) => lastHeard[from] = now;

    private void OnHeartbeat(DateTimeOffset now, Heartbeat beat)
    {
        if (Member(beat.From) is not { } member) return;
        member.Generation = beat.Generation;
        member.ProcessId = beat.ProcessId;
        member.LastAbortReason = beat.LastAbortReason;
        if (member.State == MemberState.Down && IsMaster) MarkState(member, MemberState.Joined, "is answering again");
        else if (member.State == MemberState.Down && beat.From == Master) member.State = MemberState.Joined;
    }

    private void DetectFailures(DateTimeOffset now)
    {
        foreach (var member in Current.Where(m => m.Name != self).ToList())
        {
            var silent = now - lastHeard.GetValueOrDefault(member.Name, now);
            if (silent >= options.FailureTimeout) Evict(now, member);
            else if (silent >= options.DownAfter && member.State == MemberState.Joined) MemberWentDown(now, member, "stopped answering heartbeats");
        }
    }

    private void OnPeerLost(DateTimeOffset now, string peer)
    {
        if (Phase != NodePhase.Joined || Member(peer) is not { State: MemberState.Joined } member) return;
        if (IsMaster) MemberWentDown(now, member, "closed its interconnect connection");
        else if (peer == Master) member.State = MemberState.Down;
    }

    private void MemberWentDown(DateTimeOffset now, MemberInfo member, string why)
    {
        MarkState(member, MemberState.Down, why);
        OnMemberGone(now, member.Name, ErrorIds.AgentWentAway, $"the agent on node {member.Name} went away during the change ({why}).");
    }

    private void Evict(DateTimeOffset now, MemberInfo member)
    {
        Epoch++;
        MarkState(member, MemberState.Left, $"was evicted after {options.FailureTimeout.TotalSeconds:0.#} s of silence");
        OnMemberGone(now, member.Name, ErrorIds.NodeLeft, $"node {member.Name} left the cluster during the change.");
    }

    private void MarkState(MemberInfo member, MemberState state, string why)
    {
        member.State = state;
        Log($"node {member.Name} is {state}: {why}");
        BroadcastMembership();
    }

    /// <summary>A slave whose master has been silent past the failure timeout: the successor takes over.</summary>
    private void WatchMaster(DateTimeOffset now)
    {
        if (Master is null || Member(Master) is not { } master) return;
        if (now - lastHeard.GetValueOrDefault(Master, now) < options.FailureTimeout) return;
        master.State = MemberState.Left;
        var successor = Current.OrderBy(m => m.Rank).FirstOrDefault();
        if (successor?.Name != self) { Master = successor?.Name; lastHeard[Master ?? self] = now; return; }
        TakeOver(now, master.Name);
    }

    private void TakeOver(DateTimeOffset now, string oldMaster)
    {
        Epoch++;
        Master = self;
        foreach (var other in Others) lastHeard[other] = now;
        Log($"master {oldMaster} left; {self} takes over as master at epoch {Epoch}");
        BroadcastMembership();
        ResolveInDoubt(now, oldMaster);
    }

    private void OnLeaveNotice(DateTimeOffset now, LeaveNotice notice)
    {
        if (!IsMaster || Member(notice.From) is not { } member) return;
        Epoch++;
        MarkState(member, MemberState.Left, "left cleanly");
        OnMemberGone(now, member.Name, ErrorIds.NodeLeft, $"node {member.Name} left the cluster during the change.");
    }
}
