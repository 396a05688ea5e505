using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Cluster;

namespace VolumeManager.Engine.Protocol;

/// <summary>Membership: discovery, forming, joining, heartbeats, failure detection, eviction, takeover.</summary>
public sealed partial class NodeMachine
{
    private void OnStarted(DateTimeOffset now)
    {
        SettleAppliedCommit(now);
        if (removedForGood) return;
        // A transaction left prepared by the previous agent is still in doubt: its disk groups stay quiesced
        // (the new kernel starts with every gate open) until it is committed or aborted.
        foreach (var doubt in Records.Where(r => r.State == VolumeManager.Engine.Transactions.TransactionState.Prepared))
        {
            quiescedAt[doubt.Transaction.Id] = now;
            Emit(new Quiesce(doubt.Transaction.Id, HeldWhilePrepared(doubt.Transaction)));
        }
        Phase = NodePhase.Discovering;
        StartDiscovery(now);
    }

    private void StartDiscovery(DateTimeOffset now)
    {
        EndCallForPromises();
        discoveringPeers.Clear();
        peerGenerations.Clear();
        peerMemberships.Clear();
        discoverDeadline = now + options.DiscoverTimeout;
        foreach (var peer in peers) SendTo(peer.Name, new Discover());
    }

    private void OnTick(DateTimeOffset now)
    {
        LeaseTick(now);
        FenceTick(now);
        switch (Phase)
        {
            case NodePhase.Discovering when now >= discoverDeadline: FormOrRetry(now); break;
            case NodePhase.Joining when now >= discoverDeadline: Phase = NodePhase.Discovering; StartDiscovery(now); break;
            case NodePhase.Joined: JoinedTick(now); break;
        }
    }

    /// <summary>
    /// No master answered: the lowest-ordered node still discovering forms the cluster, once a majority has promised to
    /// join it (<see cref="CallForPromises"/>); alone when it is a quorum by itself.
    /// </summary>
    private void FormOrRetry(DateTimeOffset now)
    {
        if (callingForPromises || HoldsPromise(now) || peers.Any(p => discoveringPeers.Contains(p.Name) && BetterToForm(p)) || !FormingQuorum())
        {
            StartDiscovery(now);
            return;
        }
        if (FormingQuorum(_ => false)) Form(now);
        else CallForPromises(now);
    }

    private void Form(DateTimeOffset now)
    {
        var promisedPeers = promises.ToList();
        EndCallForPromises();
        Epoch++;
        Master = self;
        // Every expected node (the last membership, or at first every defined node) counts in the membership,
        // and so in the quorum, as Joining until it joins or is evicted.
        Members = FormingMembership();
        foreach (var expected in Members.Where(m => m.State == MemberState.Joining)) lastHeard[expected.Name] = now;
        quorumLostAt = null;
        Phase = NodePhase.Joined;
        Log($"formed the cluster as master at epoch {Epoch}, generation {Database.Generation}");
        // The peers that promised join at once instead of at their next round.
        foreach (var peer in promisedPeers) SendTo(peer, new DiscoverReply { Master = self, Members = Members });
        SettleOwnTransactions(now);
    }

    /// <summary>
    /// Of the nodes discovering together, the one with the latest configuration forms the cluster (the others
    /// join it and take its configuration); on equal generations, the lowest-ordered one.
    /// </summary>
    private bool BetterToForm(PeerAddress peer) => !peerGenerations.TryGetValue(peer.Name, out var generation)
        || generation > Database.Generation || (generation == Database.Generation && peer.Order < selfAddress.Order);

    /// <summary>
    /// Quorum: a majority of the last membership (members Joined, Down or Joining) is reachable; on an exact
    /// half, the half holding the disk lease (<see cref="WinsTie"/>).
    /// </summary>
    private bool HasQuorum(Func<MemberInfo, bool> reachable)
    {
        var members = Voters().ToList();
        if (members.Count == 0) return true;
        var up = members.Count(m => m.Name == self || reachable(m));
        if (up * 2 != members.Count) return up * 2 > members.Count;
        // Ranks differ between two sides' views; the order of the cluster definition does not.
        var lowest = members.MinBy(m => OrderOf(m.Name))!;
        return WinsTie(name => members.FirstOrDefault(m => m.Name == name) is { } m && m.Name != self && reachable(m), lowest.Name);
    }

    /// <summary>The members a quorum counts: Joined, Down or Joining, and not admitted from outside by an epoch no majority holds yet.</summary>
    private IEnumerable<MemberInfo> Voters() =>
        Members.Where(m => m.State is MemberState.Joined or MemberState.Down or MemberState.Joining && !pendingVoters.ContainsKey(m.Name));

    /// <summary>
    /// A node admitted from outside the membership grows it by a voter, and its admission reaches the members only as a
    /// membership update, which a partition may hold back. Counted at once, the grown membership's quorum need not meet the
    /// old one's, which the members away still count: the master and the node it admitted are a half of four holding the
    /// first member (a tie they win) while the two away are a majority of the three they know, take over and detach a
    /// plex the new node still reads (chaos seed 15637). So the master and the node admitted count it only once a majority
    /// of the members before it (the master included, the node itself not) speak at the epoch that admitted it; the
    /// members that hold that epoch count it as the master does, and any majority of the old membership meets them.
    /// </summary>
    private void SettlePendingVoters()
    {
        if (pendingVoters.Count == 0) return;
        if (Phase != NodePhase.Joined) { pendingVoters.Clear(); return; }
        foreach (var (name, epoch) in pendingVoters.ToList())
        {
            if (Member(name) is not { State: MemberState.Joined or MemberState.Down or MemberState.Joining }) { pendingVoters.Remove(name); continue; }
            var voters = Voters().ToList();
            var holding = voters.Count(m => Holds(m.Name, epoch));
            if (voters.Count > 0 && holding * 2 <= voters.Count) continue;
            pendingVoters.Remove(name);
            Log($"{(name == self ? "this node" : name)} counts in the quorum: a majority of the members hold epoch {epoch}, which admitted it");
        }
    }

    private int OrderOf(string node) => node == self ? selfAddress.Order : peers.FirstOrDefault(p => p.Name == node)?.Order ?? int.MaxValue;

    /// <summary>The master's quorum: the members it counts as Joined.</summary>
    private bool MasterHasQuorum => HasQuorum(m => m.State == MemberState.Joined);

    private MemberInfo SelfMember(int rank) => new()
    {
        Name = self, Rank = rank, Address = selfAddress.Address, State = MemberState.Joined,
        ProcessId = processId, Generation = Database.Generation, LastAbortReason = LastAbortReason,
    };

    private void OnDiscover(DateTimeOffset now, Discover d)
    {
        if (Phase == NodePhase.Discovering) discoveringPeers.Add(d.From);
        // A node joining the very node that asks promises too: it was named master by a member, is not (it restarted), and forms.
        if (d.FormingAt is { } generation && (Phase == NodePhase.Discovering || Phase == NodePhase.Joining && joiningTo == d.From) && MayPromise(now, d.From, generation))
        {
            Promise(now, d.From);
            return;
        }
        // Without a master to name, the reply carries this node's own entry, so a discovering peer learns its generation.
        SendTo(d.From, Phase == NodePhase.Joined
            ? new DiscoverReply { Master = Master, Members = Members }
            : DiscoveringReply(promisedTo: null));
    }

    /// <summary>A node without a master to name answers with its own entry (a discovering peer learns its generation) and its last membership.</summary>
    private DiscoverReply DiscoveringReply(string? promisedTo) => new()
    {
        Master = null, Members = [SelfMember(rank: 0)], LastMembership = [.. Database.Membership], LastMembershipEpoch = Database.Epoch, PromisedTo = promisedTo,
    };

    private void OnDiscoverReply(DateTimeOffset now, DiscoverReply reply)
    {
        if (Phase != NodePhase.Joined) Epoch = Math.Max(Epoch, reply.Epoch); // a cluster formed from here counts on from the latest epoch seen
        if (Phase is not NodePhase.Discovering || reply.Master is null)
        {
            if (Phase == NodePhase.Discovering && reply.Master is null)
            {
                discoveringPeers.Add(reply.From);
                if (reply.Members.FirstOrDefault(m => m.Name == reply.From) is { } peer) peerGenerations[reply.From] = peer.Generation;
                NotePeerMembership(reply);
                if (reply.PromisedTo == self) TakePromise(now, reply.From);
            }
            return;
        }
        // Promised to a node forming the cluster: no other master is joined (nor resumed) while the promise holds.
        if (HoldsPromise(now) && promised!.Value.Node != reply.Master) return;
        // A node that a change this node holds prepared removes is told of the commit last, if at all: its word on who
        // is master may be from before the members took over without it (they no longer hear it).
        if (RemovedByOpenChange(reply.From)) return;
        if (reply.Master == self) { ResumeMastership(now, reply); return; }
        EndCallForPromises();
        Phase = NodePhase.Joining;
        joiningTo = reply.Master;
        discoverDeadline = now + options.DiscoverTimeout * 4;
        // A node added after this one's definition file was written (the master among them) is named by a defined peer:
        // a peer from now on, or the master's answer would come from a stranger and this node would never join. Not from
        // a cluster behind this node's configuration: it knows of no addition this node lacks, and may still name a node
        // a commit here removed for good (it formed before that commit, on the other side of a partition).
        if (!BehindThisNode(reply)) LearnPeers(reply.Members);
        SendTo(reply.Master, new JoinRequest { Address = selfAddress.Address, ProcessId = processId, Generation = Database.Generation });
    }

    /// <summary>The cluster a reply names is at an older generation than this node's database (by the master's or the sender's entry).</summary>
    private bool BehindThisNode(DiscoverReply reply) =>
        reply.Members.Where(m => m.Name == reply.Master || m.Name == reply.From).Select(m => m.Generation).DefaultIfEmpty(0).Max() < Database.Generation;

    /// <summary>This agent restarted before the others evicted it: it is still master.</summary>
    private void ResumeMastership(DateTimeOffset now, DiscoverReply reply)
    {
        // A member that has not applied a RemoveNode this node committed before it stopped still names the node removed:
        // not taken back, or the members would define it again from this master's membership (LearnPeers).
        Members = reply.Members.Where(m => m.Name == self || peers.Any(p => p.Name == m.Name)).Select(m => m.Clone()).ToList();
        var me = Member(self)!;
        me.State = MemberState.Joined;
        me.ProcessId = processId;
        Epoch = Math.Max(Epoch, reply.Epoch) + 1;
        Master = self;
        Phase = NodePhase.Joined;
        foreach (var other in Others) lastHeard[other] = now;
        quorumLostAt = null;
        Log($"resumed as master at epoch {Epoch}");
        BroadcastMembership();
        SettleOwnTransactions(now);
    }

    private void OnJoinRequest(DateTimeOffset now, JoinRequest join)
    {
        if (!IsMaster)
        {
            SendTo(join.From, new DiscoverReply { Master = Phase == NodePhase.Joined ? Master : null, Members = Members });
            return;
        }
        if (Active is { Phase: CoordinationPhase.Open } open)
        {
            // Before prepare no kernel is involved: the join completes now and the change restarts its checks.
            Admit(now, join);
            if (IsMaster && Active == open && Member(join.From) is { State: MemberState.Joined }) RestartChecksWith(now, open, join.From);
            return;
        }
        if (Active is not null)
        {
            pendingJoins.RemoveAll(j => j.From == join.From);
            pendingJoins.Add(join);
            ResendDecision(now, join.From); // a restarted member the decision waits for gets it now, or the join would wait forever
            Log($"join of {join.From} waits for transaction {Active.Transaction.Id}");
            return;
        }
        Admit(now, join);
    }

    private void Admit(DateTimeOffset now, JoinRequest join)
    {
        if (join.Generation > Database.Generation)
        {
            // The joiner holds commits this master never saw: this cluster formed on an older configuration.
            // Handing it the master's configuration would undo them; the cluster forms again around the newest.
            Log($"{join.From} asks to join at generation {join.Generation}, newer than this master's {Database.Generation}");
            StepDown(now, $"{join.From} holds a newer configuration");
            return;
        }
        var member = Member(join.From);
        var newVoter = member is null || member.State == MemberState.Left;
        if (newVoter && !MasterHasQuorum)
        {
            // A node outside the membership adds a voter. Admitted by a master without a majority of its members,
            // the grown membership's majority need not meet the old one's, which the other side can still form a
            // cluster from. The joiner asks again after its join timeout.
            Log($"join of {join.From} waits: this master reaches no majority of its members");
            return;
        }
        if (member is null || newVoter)
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
        admittedAt[join.From] = Epoch;
        if (newVoter) pendingVoters[join.From] = Epoch;
        Log($"admitted {join.From} at rank {member.Rank}, epoch {Epoch}");
        SendTo(join.From, new JoinAccepted
        {
            Master = self, Members = Members, Generation = Database.Generation, ClusterId = Database.ClusterId,
            Shared = Database.Shared, Outcomes = Records.Where(r => r.IsFinal).ToList(), LastTransaction = Database.LastTransaction, Definition = Definition.Select(p => new NodeDefinition { Name = p.Name, Interconnect = p.Address }).ToList(),
            NewVoter = newVoter,
        });
        foreach (var other in Others.Where(o => o != join.From)) SendTo(other, new MembershipUpdate { Master = self, Members = Members });
    }

    private void AdmitPendingJoins(DateTimeOffset now)
    {
        var joins = pendingJoins.ToList();
        pendingJoins.Clear();
        foreach (var join in joins) if (IsMaster) Admit(now, join);
    }

    private void OnJoinAccepted(DateTimeOffset now, JoinAccepted accepted)
    {
        if (Phase is not (NodePhase.Discovering or NodePhase.Joining)) return; // a late answer to an earlier request: already joined (or left)
        if (accepted.Generation < Database.Generation)
        {
            // The answer to an earlier request (a frame held in a connection) from a master behind this node: its
            // configuration would undo commits made since. The latest request carries this node's generation and
            // makes that master step down (Admit).
            Log($"join accepted by {accepted.From} at generation {accepted.Generation} ignored: this node is at {Database.Generation}");
            return;
        }
        if (HoldsPromise(now) && promised!.Value.Node != accepted.Master) return; // an earlier request's answer: this node promised another
        promised = null;
        EndCallForPromises();
        var db = Database.Clone();
        db.ClusterId = accepted.ClusterId;
        db.Generation = accepted.Generation;
        db.Shared = accepted.Shared.Select(g => g.Clone()).ToList();
        if (accepted.LastTransaction is not null) db.LastTransaction = accepted.LastTransaction;
        Database = db;
        Emit(new PersistDatabase(db));
        AdoptMembership(accepted.Epoch, accepted.Master, accepted.Members);
        TakeDefinition(accepted.Definition);
        Phase = NodePhase.Joined;
        ResolveFromOutcomes(now, accepted.Outcomes, accepted.Generation);
        // The outcomes come with the configuration they produced: kept, so this node can settle them for others later.
        foreach (var outcome in accepted.Outcomes.Where(o => Record(o.Transaction.Id) is null)) Keep(outcome, durable: true, stamp: false);
        // The members count as heard when they speak to this node, not because it joined: a member the master last heard
        // just before a partition cut it off would keep this node's fence open for a second (chaos seed 15637).
        pendingVoters.Clear();
        if (accepted.NewVoter) pendingVoters[self] = Epoch;
        Log($"joined the cluster at epoch {Epoch}; master {Master}, generation {Database.Generation}");
    }

    private void OnMembershipUpdate(DateTimeOffset now, MembershipUpdate update)
    {
        // A master's own updates are taken whatever their epoch (it may have formed the cluster again from an
        // older durable epoch than this node holds); an older epoch from another node is stale.
        if (Phase != NodePhase.Joined) return;
        if (IsMaster && update.From != self)
        {
            if (update.Members.FirstOrDefault(m => m.Name == update.From) is not { State: MemberState.Joined }) return; // a master dissolving, not a master
            // Two masters (each took the other for gone): the one with the older membership gives way.
            if (update.Epoch > Epoch || (update.Epoch == Epoch && OrderOf(update.From) < OrderOf(self)))
                StepDown(now, $"{update.From} is master with a newer membership (epoch {update.Epoch})");
            // The other master hears this one only as a member it counts Left (a heartbeat it answers with this
            // update) and would never learn it must give way: it is told, and the same rule makes it step down.
            else SendTo(update.From, new MembershipUpdate { Master = self, Members = Members });
            return;
        }
        if (update.Epoch < Epoch && update.From != Master) return;
        if (update.Generation < definitionChangedAt)
        {
            // Sent before its sender applied a change of the definition this node has applied (a master tells its
            // successor first and broadcasts the new membership only once it applies the change itself): its members
            // would take the added node out of this node's quorum, or bring a removed one back. The next update holds them.
            LearnDecision(now, update);
            return;
        }
        AdoptMembership(Math.Max(update.Epoch, Epoch), update.Master, update.Members);
        LearnDecision(now, update);
        if (Member(self) is not { State: MemberState.Left }) { AcknowledgeMembership(update); return; }
        // Evicted while it could not be heard: it joins again and takes the master's configuration.
        LookForClusterAgain(now, $"evicted by master {update.Master} at epoch {update.Epoch}");
    }

    private void AdoptMembership(long epoch, string master, List<MemberInfo> members)
    {
        masterLostAt = null;
        Epoch = epoch;
        Master = master;
        Members = members.Select(m => m.Clone()).ToList();
        LearnPeers(Members);
    }

    private void BroadcastMembership(string? decided = null)
    {
        foreach (var other in Others) SendTo(other, new MembershipUpdate { Master = self, Members = Members, Decided = decided });
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
        foreach (var other in Others) SendTo(other, OwnHeartbeat());
        // A master also beats at the members it counts Left or still Joining: one that is master of its own (a second
        // cluster after a partition, or formed on a discovery answer that went stale while this one formed) answers
        // with its membership, and the older of the two steps down.
        if (IsMaster)
            foreach (var absent in Members.Where(m => m.State is MemberState.Left or MemberState.Joining && m.Name != self)) SendTo(absent.Name, OwnHeartbeat());
        AskAboutDoubts(now);
        HandOnDecisions(now);
    }

    private Heartbeat OwnHeartbeat() => new()
    {
        ProcessId = processId, Generation = Database.Generation, LastAbortReason = LastAbortReason, LeaseDisks = LeaseDisksToShare(),
        Master = Master,
    };

    private void Heard(string from, DateTimeOffset now) => lastHeard[from] = now;

    private void OnHeartbeat(DateTimeOffset now, Heartbeat beat)
    {
        NoteLeaseDisks(beat);
        var member = Member(beat.From);
        if (member is null && !IsMaster) return;
        // Not in this master's membership at all (it formed again from a smaller durable membership): as Left.
        if (member is null || member.State is MemberState.Left or MemberState.Joining && IsMaster)
        {
            // It believes it is a member, this master does not (it missed its eviction, or this master resumed
            // from an older membership): it reads itself Left, rejoins and takes the master's configuration.
            var rejoin = Members.Select(m => m.Clone()).ToList();
            if (member is null) rejoin.Add(new MemberInfo { Name = beat.From, Rank = int.MaxValue, State = MemberState.Left });
            else rejoin.First(m => m.Name == beat.From).State = MemberState.Left;
            SendTo(beat.From, new MembershipUpdate { Master = self, Members = rejoin });
            return;
        }
        if (member is null) return;
        member.Generation = beat.Generation;
        if (AheadOfIdleMaster(member)) { StepDown(now, $"member {beat.From} holds a newer configuration (generation {beat.Generation}) than this master's {Database.Generation}"); return; }
        member.ProcessId = beat.ProcessId;
        member.LastAbortReason = beat.LastAbortReason;
        if (member.State == MemberState.Down && IsMaster)
        {
            MarkState(member, MemberState.Joined, "is answering again");
            ResendDecision(now, member.Name);
        }
        else if (member.State == MemberState.Down && beat.From == Master) member.State = MemberState.Joined;
        if (IsMaster && member.State == MemberState.Joined) CatchUp(member);
        // A member that beats at an older epoch missed a membership update (a frame lost while it was cut off): it would
        // count an old quorum, durably, until the next change of the membership. It is told again.
        if (IsMaster && member.State == MemberState.Joined && beat.Epoch < Epoch) SendTo(beat.From, new MembershipUpdate { Master = self, Members = Members });
        if (IsMaster && Active is { Phase: CoordinationPhase.NotifyingSuccessor } decided) NotifyNewSuccessorOnceHeld(now, decided);
    }

    /// <summary>
    /// A member ahead of a master with no change open holds a commit the master missed: a decision it carried through
    /// itself (<see cref="CommitHeldDecision"/>) whose notice to the master was lost in a reset (chaos seed 17035). Every
    /// change would then fail on its generation; as for a joiner ahead (<see cref="Admit"/>), the cluster forms again
    /// around the newest configuration.
    /// </summary>
    private bool AheadOfIdleMaster(MemberInfo member) =>
        IsMaster && Active is null && member.State == MemberState.Joined && member.Generation > Database.Generation;

    private void DetectFailures(DateTimeOffset now)
    {
        foreach (var member in Members.Where(m => m.Name != self && m.State is MemberState.Joined or MemberState.Down or MemberState.Joining).ToList())
        {
            var silent = now - lastHeard.GetValueOrDefault(member.Name, now);
            if (silent >= options.FailureTimeout && HasQuorum(m => m.Name != member.Name && m.State == MemberState.Joined)) Evict(now, member);
            else if (silent >= options.DownAfter && member.State == MemberState.Joined) MemberWentDown(now, member, "stopped answering heartbeats");
        }
        if (MasterHasQuorum) quorumLostAt = null;
        else if ((quorumLostAt ??= now) + options.FailureTimeout <= now)
            StepDown(now, $"it has reached no majority of the members for {options.FailureTimeout.TotalSeconds:0.#} s");
    }

    /// <summary>
    /// A master that has lacked a quorum for the failure timeout stops acting as master and looks for the
    /// cluster again: the majority side may have a master of its own, and two masters must not stay.
    /// </summary>
    private void StepDown(DateTimeOffset now, string why)
    {
        Log($"master {self} stops acting as master: {why}");
        if (Active is { Decided: false }) Abort(now, ErrorIds.NoQuorum, [NodeFailure.Of(self, ErrorIds.NoQuorum, NoQuorumReason())]);
        if (Active is { } decided)
            Reply(decided.CommitRequestId, ControlResponse.Failure(ErrorIds.AgentWentAway, $"master {self} lost its quorum while committing {decided.Transaction.Id}; the outcome is settled by the members.",
                [NodeFailure.Of(self, ErrorIds.AgentWentAway, $"master {self} lost its quorum while committing {decided.Transaction.Id}.")]));
        Active = null;
        pendingJoins.Clear();
        quorumLostAt = null;
        // Dissolve: every member reads itself Left and looks for the cluster again, instead of naming this node as master.
        Epoch++;
        var dissolved = Members.Select(m => { var left = m.Clone(); left.State = MemberState.Left; return left; }).ToList();
        foreach (var other in Others) SendTo(other, new MembershipUpdate { Master = self, Members = dissolved });
        Master = null;
        Members = [];
        Phase = NodePhase.Discovering;
        StartDiscovery(now);
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

    private void MarkState(MemberInfo member, MemberState state, string why, bool tellIt = true)
    {
        member.State = state;
        Log($"node {member.Name} is {state}: {why}");
        BroadcastMembership();
        if (state == MemberState.Left && tellIt) SendTo(member.Name, new MembershipUpdate { Master = self, Members = Members });
    }

    /// <summary>A slave whose master has been silent past the failure timeout (or Down and silent past <see cref="DownMasterSilence"/>): the successor takes over.</summary>
    private void WatchMaster(DateTimeOffset now)
    {
        if (Master is null || Member(Master) is not { } master) return;
        // A master whose connection closed and that has not spoken since is likely dead: no need to wait out the failure timeout.
        var bound = master.State == MemberState.Down ? DownMasterSilence : options.FailureTimeout;
        if (now - lastHeard.GetValueOrDefault(Master, now) < bound) { masterLostAt = null; return; }
        if (masterLostAt is { } lost && now - lost >= options.FailureTimeout * 2)
        {
            // No master has spoken to this node for long (it may have been evicted without hearing it).
            LookForClusterAgain(now, $"no master has been heard for {(now - lost).TotalSeconds:0.#} s");
            return;
        }
        masterLostAt ??= now;
        // A majority of members Joined and heard of late, as an eviction counts them: a node still Joining (expected since the
        // cluster formed, heard only discovering) is no member yet, and after the takeover, the old master Left, it would
        // make the tie of two that this node wins alone while the old master and that node form the cluster again.
        // Heard since the master was found silent, not before: a member heard just before a partition cut this node off
        // may since hold the master's order passing this node over (chaos seed 17559).
        var since = masterLostAt.Value;
        if (!HasQuorum(m => m.Name != master.Name && m.State == MemberState.Joined && lastHeard.TryGetValue(m.Name, out var heard) && heard >= since && now - heard < options.DownAfter)) return;
        var successor = Current.Where(m => m.Name != master.Name && !RemovedByOpenChange(m.Name)).OrderBy(m => m.Rank).FirstOrDefault();
        if (successor?.Name != self) return; // the successor announces itself (MembershipUpdate); until then there is no master to follow
        if (MissedMembershipChange(now)) { LookForClusterAgain(now, $"master {master.Name} is silent and members speak at a newer epoch than {Epoch}: this node's order of succession is stale"); return; }
        master.State = MemberState.Left;
        TakeOver(now, master.Name);
    }

    private void LookForClusterAgain(DateTimeOffset now, string why)
    {
        Log($"{why}; looking for the cluster again");
        masterLostAt = null;
        Master = null;
        Phase = NodePhase.Discovering;
        StartDiscovery(now);
    }

    private void TakeOver(DateTimeOffset now, string oldMaster)
    {
        Epoch++;
        Master = self;
        quorumLostAt = null;
        if (Member(self) is { } me) me.State = MemberState.Joined; // the old master may have counted this node Down
        foreach (var other in Others) lastHeard[other] = now;
        Log($"master {oldMaster} left; {self} takes over as master at epoch {Epoch}");
        BroadcastMembership();
        ResolveInDoubt(now, oldMaster);
    }

    private void OnLeaveNotice(DateTimeOffset now, LeaveNotice notice)
    {
        if (!IsMaster || Member(notice.From) is not { } member) return;
        if (notice.Epoch < admittedAt.GetValueOrDefault(member.Name))
        {
            Log($"ignored a leave notice of epoch {notice.Epoch} from {member.Name}: it was admitted again at epoch {admittedAt[member.Name]}");
            return;
        }
        Epoch++;
        MarkState(member, MemberState.Left, "left cleanly", tellIt: false);
        OnMemberGone(now, member.Name, ErrorIds.NodeLeft, $"node {member.Name} left the cluster during the change.");
    }
}
