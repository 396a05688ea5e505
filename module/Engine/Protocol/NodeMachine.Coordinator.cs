using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>The coordinator: one transaction at a time, prepare everywhere, decide, successor first, then the rest.</summary>
public sealed partial class NodeMachine
{
    private ControlResponse Begin(DateTimeOffset now, BeginRequest request)
    {
        if (Refusal(request) is { } refused)
        {
            if (request.Id is { Length: > 0 } id && refused.ErrorId is not (ErrorIds.ClusterBusy or ErrorIds.MasterChanged) && Record(id) is null)
                refused.Transaction = RecordRefused(now, request, refused);
            return refused;
        }
        var tx = NewTransaction(now, request);
        Active = new Coordination { Transaction = tx, Phase = CoordinationPhase.Open, Deadline = now + options.PrepareTimeout };
        // Durable, so a master that restarts before deciding still knows to abort it everywhere.
        Keep(new TransactionRecord { Transaction = tx, State = TransactionState.Proposed, Updated = now }, durable: true);
        // Begun and checked in one call: this node's check is the first of the round the initiator has already sent to the others.
        var check = request.Check ? Check(now, Saw(request.Visible, new CheckRequest { Transaction = tx, Visible = request.Visible })).Check : null;
        return new ControlResponse { Ok = true, Transaction = tx, Check = check };
    }

    private Transaction NewTransaction(DateTimeOffset now, BeginRequest request) => new()
    {
        Id = NewId(request.Id),
        Scope = request.Scope,
        Owner = request.Scope == TransactionScope.Private ? self : null,
        BaseGeneration = Database.Generation,
        Initiator = request.Initiator,
        Coordinator = self,
        Members = request.Scope == TransactionScope.Shared ? Current.Select(m => m.Name).ToList() : [self],
        Operations = request.Operations,
        Started = now,
    };

    private ControlResponse? Refusal(BeginRequest request)
    {
        if (request.Scope == TransactionScope.Shared && !IsMaster)
            return ControlResponse.Failure(ErrorIds.MasterChanged, $"node {self} is not the master; the master is {Master ?? "unknown"}.");
        if (Active is { } busy)
            return ControlResponse.Failure(ErrorIds.ClusterBusy, $"transaction {busy.Transaction.Id} ({busy.Transaction.Describe()}) is in progress on {self}.");
        if (request.Scope == TransactionScope.Shared && !MasterHasQuorum)
            return ControlResponse.Failure(ErrorIds.NoQuorum, NoQuorumReason(),
                Current.Where(m => m.State != MemberState.Joined).Select(m => NodeFailure.Of(m.Name, ErrorIds.NoQuorum, $"master {self} cannot reach node {m.Name}; without a majority of the members no change is made.")));
        if (request.Scope == TransactionScope.Shared && DefinitionProblem(request) is { } undefinable)
            return ControlResponse.Failure(undefinable.ErrorId, undefinable.Reason, [undefinable]);
        var down = Current.Where(m => m.State == MemberState.Down).ToList();
        if (request.Scope == TransactionScope.Shared && down.Count > 0)
            return ControlResponse.Failure(ErrorIds.AgentNotRunning, "the agent is not running on " + string.Join(", ", down.Select(m => m.Name)) + ".",
                down.Select(m => NodeFailure.Of(m.Name, ErrorIds.AgentNotRunning, $"the agent on node {m.Name} is not running.")));
        return null;
    }

    /// <summary>
    /// A change whose checks were already out when this coordinator refused to open it (a member went down meanwhile,
    /// quorum was lost): it is recorded as aborted here and on the members, as one refused after its checks would be,
    /// and the refusal names it (the initiator then leaves the members' checks to the abort notice).
    /// A busy slot is not a refusal of the change (the initiator asks again), and a node that is not master coordinates nothing.
    /// </summary>
    private Transaction RecordRefused(DateTimeOffset now, BeginRequest request, ControlResponse refused)
    {
        var tx = NewTransaction(now, request);
        var failed = refused.Failures.Select(f => f.Node).Distinct().ToList();
        Keep(new TransactionRecord { Transaction = tx, State = TransactionState.Proposed, Updated = now }, durable: false);
        AbortLocally(now, tx.Id, refused.ErrorId!, refused.Error!, failed);
        var notice = new AbortNotice { TransactionId = tx.Id, ErrorId = refused.ErrorId!, Reason = refused.Error!, FailedNodes = failed };
        foreach (var member in tx.Members.Where(m => m != self && Member(m) is { State: MemberState.Joined })) SendTo(member, notice);
        return tx;
    }

    /// <summary>The id the initiator proposed (its checks are already out under it), unless this node knows it; a fresh one then.</summary>
    private string NewId(string? proposed) =>
        proposed is { Length: > 0 } && Record(proposed) is null ? proposed : $"T{Database.Generation + 1:D4}-{random.Next():x8}";

    private ControlResponse? StartCommit(DateTimeOffset now, long? requestId, CommitRequest request)
    {
        if (Active?.Transaction.Id != request.TransactionId || Active.Phase != CoordinationPhase.Open)
            return Outcome(request.TransactionId) ?? ControlResponse.Failure(ErrorIds.TransactionAborted, $"transaction {request.TransactionId} is not open on {self}.");
        var active = Active;
        if (active.ChecksRestarted)
        {
            active.ChecksRestarted = false;
            return new ControlResponse
            {
                Ok = false, ErrorId = Coordination.ChecksRestartedErrorId, Transaction = active.Transaction,
                Error = $"a node joined the cluster before {active.Transaction.Id} was prepared; the checks restart on {string.Join(", ", active.Transaction.Members)}.",
            };
        }
        active.CommitRequestId = requestId;
        if (MembershipProblem(active.Transaction) is { } problem) { Abort(now, problem.ErrorId, [problem]); return null; }
        active.Phase = CoordinationPhase.Preparing;
        active.Deadline = now + options.PrepareTimeout;
        foreach (var member in active.Transaction.Members) SendTo(member, new Prepare { Transaction = active.Transaction });
        return null;
    }

    private NodeFailure? MembershipProblem(Transaction tx)
    {
        foreach (var name in tx.Members)
        {
            var member = Member(name);
            if (member is null || member.State == MemberState.Left)
                return NodeFailure.Of(name, ErrorIds.NodeLeft, $"node {name} left the cluster during the change.");
            if (member.State == MemberState.Down)
                return NodeFailure.Of(name, ErrorIds.AgentWentAway, $"the agent on node {name} went away during the change.");
        }
        return null;
    }

    private void OnPrepared(DateTimeOffset now, Prepared prepared)
    {
        if (Active?.Transaction.Id != prepared.TransactionId) { AnswerDoubt(now, prepared); return; }
        if (Active.Decided) { ResendDecision(now, prepared.From); return; } // a member still in doubt lost its commit notice
        if (Active is not { Phase: CoordinationPhase.Preparing } active) return;
        if (!prepared.Ok)
        {
            var failure = NodeFailure.Of(prepared.From, prepared.ErrorId ?? ErrorIds.TransactionAborted, prepared.Reason ?? $"node {prepared.From} refused to prepare.");
            Abort(now, failure.ErrorId, [failure]);
            return;
        }
        if (active.Prepared.Add(prepared.From) && prepared.From != self) NoteOf(prepared.TransactionId, "Prepared", now, prepared.From);
        if (!active.Transaction.Members.All(active.Prepared.Contains)) return;
        if (!MasterHasQuorum) { Abort(now, ErrorIds.NoQuorum, [NodeFailure.Of(self, ErrorIds.NoQuorum, NoQuorumReason())]); return; }
        Decide(now, active);
    }

    private void Decide(DateTimeOffset now, Coordination active)
    {
        active.Before = Database;
        Log($"decided to commit {active.Transaction.Id}");
        NotifySuccessor(now, active);
    }

    /// <summary>
    /// The commit notice goes first to the successor — the member that would take over if this master
    /// went away, the lowest in rank — and to anyone else only once it has acknowledged. Whom it tells first
    /// is durable with the decision, so a master that restarts tells the same member first. A successor that is
    /// known dead or too slow is passed over (<see cref="PassSuccession"/>); once it has Left, the next in rank.
    /// </summary>
    private void NotifySuccessor(DateTimeOffset now, Coordination active)
    {
        active.Successor = SuccessorOf(active);
        var ahead = NoticeAheadOfDecision(active);
        if (ahead) SendTo(active.Successor!, new CommitNotice { TransactionId = active.Transaction.Id, Transaction = active.Transaction, AheadOfDecision = true });
        RecordDecision(now, active);
        if (active.Successor is null) { NotifyRest(active); return; }
        Log($"notifying successor {active.Successor} of {active.Transaction.Id} first");
        active.Phase = CoordinationPhase.NotifyingSuccessor;
        active.SuccessorNotifiedAt = now;
        if (!ahead && IsReachable(active.Successor)) SendTo(active.Successor, new CommitNotice { TransactionId = active.Transaction.Id, Transaction = active.Transaction });
    }

    /// <summary>
    /// The member that would take over: the lowest in rank of the members not yet told and not removed by the change
    /// (other than <paramref name="besides"/>, when the master asks whom it would tell instead of that one).
    /// </summary>
    private string? SuccessorOf(Coordination active, string? besides = null) =>
        active.Transaction.Members.Where(m => m != self && m != besides && !active.Acknowledged.Contains(m) && !Removes(active.Transaction, m)).Select(Member).OfType<MemberInfo>()
            .Where(m => m.State is MemberState.Joined or MemberState.Down).OrderBy(m => m.Rank).FirstOrDefault()?.Name;

    private void RecordDecision(DateTimeOffset now, Coordination active)
    {
        var record = Record(active.Transaction.Id)!;
        if (record.Decided && record.NotifyFirst == active.Successor) return;
        var decided = record.With(TransactionState.Prepared, now);
        decided.Decided = true;
        decided.NotifyFirst = active.Successor;
        Keep(decided, durable: true);
    }

    /// <summary>A member that was Down answers again: if the decision is still waiting for it, it gets the commit notice again.</summary>
    private void ResendDecision(DateTimeOffset now, string node)
    {
        if (Active is not { Decided: true } active || !active.Transaction.Members.Contains(node) || active.Acknowledged.Contains(node)) return;
        NotifyNewSuccessorOnceHeld(now, active); // it may be the voice that makes the new order of succession a majority's
        if (active.Phase == CoordinationPhase.NotifyingSuccessor && active.Successor != node) return;
        SendTo(node, new CommitNotice { TransactionId = active.Transaction.Id, Transaction = active.Transaction });
    }

    /// <summary>
    /// A Joined member whose heartbeat shows it behind the master (it was Down when a commit was
    /// announced, so it never got the notice) gets the commit it missed, transaction included.
    /// </summary>
    private void CatchUp(MemberInfo member)
    {
        if (member.Generation >= Database.Generation || Active?.Transaction.Members.Contains(member.Name) == true) return;
        if (Records.LastOrDefault(r => r.State == TransactionState.Committed && r.Transaction.Scope == TransactionScope.Shared
                && r.Transaction.BaseGeneration == member.Generation) is { } missed)
            SendTo(member.Name, new CommitNotice { TransactionId = missed.Transaction.Id, Transaction = missed.Transaction });
    }

    private string NoQuorumReason()
    {
        var members = Current.ToList();
        var up = members.Count(m => m.State == MemberState.Joined);
        return $"master {self} reaches only {up} of the {members.Count} members; a change needs a majority.";
    }

    private void NotifyRest(Coordination active)
    {
        active.Phase = CoordinationPhase.NotifyingRest;
        foreach (var member in active.Transaction.Members.Where(m => m != active.Successor && IsReachable(m)))
            SendTo(member, new CommitNotice { TransactionId = active.Transaction.Id });
    }

    private bool IsReachable(string node) => node == self || Member(node) is { State: MemberState.Joined };

    private void OnCommitAck(DateTimeOffset now, CommitAck ack)
    {
        if (Active is not { Decided: true } active || active.Transaction.Id != ack.TransactionId) { OnHeldDecisionAck(now, ack); return; }
        if (active.Acknowledged.Add(ack.From) && ack.From != self) NoteOf(ack.TransactionId, "Committed", now, ack.From);
        if (active.Phase == CoordinationPhase.NotifyingSuccessor && ack.From == active.Successor) NotifyRest(active);
        else if (active.Phase == CoordinationPhase.NotifyingRest) FinishIfAcknowledged(now, active);
    }

    private void FinishIfAcknowledged(DateTimeOffset now, Coordination active)
    {
        if (!active.Transaction.Members.Where(IsReachable).All(active.Acknowledged.Contains)) return;
        var tx = active.Transaction;
        var record = Record(tx.Id)!;
        Emit(new WriteDiskCopies(active.Before ?? Database, Database, tx.DiskGroups.ToList())
        {
            Deported = tx.Operations.OfType<Operations.DeportDiskGroup>().Select(o => o.DiskGroup).ToList(),
        });
        Reply(active.CommitRequestId, new ControlResponse { Ok = true, Record = record });
        Active = null;
        AdmitPendingJoins(now);
    }

    private void Abort(DateTimeOffset now, string errorId, List<NodeFailure> failures, string? why = null)
    {
        if (Active is not { } active || active.Decided) return;
        var tx = active.Transaction;
        var reason = why ?? string.Join(" ", failures.Select(f => f.Reason));
        var failed = failures.Select(f => f.Node).Distinct().ToList();
        if (Record(tx.Id) is null) Keep(new TransactionRecord { Transaction = tx, State = TransactionState.Proposed, Updated = now }, durable: false);
        AbortLocally(now, tx.Id, errorId, reason, failed);
        var notice = new AbortNotice { TransactionId = tx.Id, ErrorId = errorId, Reason = reason, FailedNodes = failed };
        // Down members too: nothing resends an abort, and a member that is only slow would keep its record open for good.
        foreach (var member in tx.Members.Where(m => m != self && Member(m) is { State: MemberState.Joined or MemberState.Down })) SendTo(member, notice);
        Log($"aborted {tx.Id}: {reason}");
        Reply(active.CommitRequestId, ControlResponse.Failure(errorId, reason, failures));
        Active = null;
        AdmitPendingJoins(now);
    }

    private void Reply(long? requestId, ControlResponse response)
    {
        if (requestId is { } id) Emit(new Reply(id, response));
    }

    private void OnMemberGone(DateTimeOffset now, string node, string errorId, string reason)
    {
        if (Active is not { } active || !active.Transaction.Members.Contains(node)) return;
        if (!active.Decided) { Abort(now, errorId, [NodeFailure.Of(node, errorId, reason)]); return; }
        if (active.Phase == CoordinationPhase.NotifyingSuccessor && node == active.Successor)
        {
            // A resumed decision's successor may have taken over and aborted while this node was away: only its answer settles it.
            if (active.Resumed) return;
            if (Member(node) is null or { State: MemberState.Left }) NotifySuccessor(now, active);
            else if (SuccessorOf(active, besides: node) is null) Log($"successor {node} of {active.Transaction.Id} is {Member(node)!.State}: no other member to tell first, so it is waited for");
            else PassSuccession(now, active, Member(node)!);
        }
        else if (active.Phase == CoordinationPhase.NotifyingRest) FinishIfAcknowledged(now, active);
    }

    private void CoordinatorTick(DateTimeOffset now)
    {
        if (Active is { Decided: true } decided)
        {
            // A notice or its acknowledgement can be lost with a connection: notify again whoever is still silent.
            if (decided.Phase == CoordinationPhase.NotifyingSuccessor) { SuccessionTick(now, decided); if (Active != decided) return; }
            if (decided.NotifiedAt == default) decided.NotifiedAt = now;
            if (now - decided.NotifiedAt < options.HeartbeatInterval * 4) return;
            decided.NotifiedAt = now;
            foreach (var member in decided.Transaction.Members.Where(m => m != self && !decided.Acknowledged.Contains(m) && IsReachable(m)
                         && (decided.Phase == CoordinationPhase.NotifyingRest || m == decided.Successor)))
                SendTo(member, new CommitNotice { TransactionId = decided.Transaction.Id, Transaction = decided.Transaction });
            return;
        }
        if (Active is not { } active || now < active.Deadline) return;
        if (active.Phase == CoordinationPhase.Preparing)
        {
            var silent = active.Transaction.Members.Where(m => !active.Prepared.Contains(m))
                .Select(m => NodeFailure.Of(m, ErrorIds.AgentWentAway, $"node {m} did not answer prepare within {options.PrepareTimeout.TotalSeconds:0.#} s.")).ToList();
            Abort(now, ErrorIds.AgentWentAway, silent);
        }
        else if (active.Phase == CoordinationPhase.Open && active.CommitRequestId is null && now >= active.Deadline + options.PrepareTimeout)
            Abort(now, ErrorIds.TransactionAborted, [NodeFailure.Of(active.Transaction.Initiator, ErrorIds.TransactionAborted, $"the initiator of {active.Transaction.Id} never asked to commit it.")]);
    }

    /// <summary>
    /// A node joined while the open transaction had not reached prepare (no kernel involved yet): the join has
    /// completed, and the transaction now counts the new node as a member. Its checks restart: the initiator's
    /// next commit request is answered <see cref="Coordination.ChecksRestartedErrorId"/> with the new member list.
    /// </summary>
    private void RestartChecksWith(DateTimeOffset now, Coordination open, string joined)
    {
        if (open.Transaction.Scope != TransactionScope.Shared || open.Transaction.Members.Contains(joined)) return;
        var tx = open.Transaction;
        open.Transaction = new Transaction
        {
            Id = tx.Id, Scope = tx.Scope, Owner = tx.Owner, BaseGeneration = tx.BaseGeneration, Initiator = tx.Initiator,
            Coordinator = tx.Coordinator, Members = [.. tx.Members, joined], Operations = tx.Operations, Started = tx.Started,
        };
        open.ChecksRestarted = true;
        open.Deadline = now + options.PrepareTimeout;
        Keep(new TransactionRecord { Transaction = open.Transaction, State = TransactionState.Proposed, Updated = now }, durable: false);
        Log($"{joined} joined before {tx.Id} was prepared: the change restarts its checks including it");
    }

    /// <summary>
    /// A Prepared answer for a transaction this master is not running: a participant in doubt asking. The
    /// outcome is answered if known. A transaction this node coordinated without deciding it, or one it
    /// was a member of and never prepared, cannot have been committed anywhere: it is aborted.
    /// </summary>
    private void AnswerDoubt(DateTimeOffset now, Prepared asked)
    {
        if (!asked.Ok) return;
        if (!IsMaster) { AnswerDoubtAsMember(now, asked); return; }
        var id = asked.TransactionId;
        if (AnswerOutcome(id, asked.From)) return;
        switch (Record(id))
        {
            case { Decided: true }:
                return;
            case { State: TransactionState.Prepared } mine when mine.Transaction.Coordinator != self || DecisionUnknown(mine):
                return; // in doubt here too: settled when this master takes over or learns the outcome
            case { } open when open.Transaction.Coordinator == self || open.State != TransactionState.Prepared:
                var reason = $"master {self} has no decision for {id}; it was never committed.";
                AbortLocally(now, id, ErrorIds.TransactionAborted, reason, []);
                SendTo(asked.From, new AbortNotice { TransactionId = id, ErrorId = ErrorIds.TransactionAborted, Reason = reason });
                return;
            case null when asked.InDoubtBase is { } inDoubtBase && Database.Generation <= inDoubtBase:
                return; // never part of it, and not past it: this master cannot tell it was not committed
            case null:
                SendTo(asked.From, new AbortNotice { TransactionId = id, ErrorId = ErrorIds.TransactionAborted, Reason = $"master {self} never prepared {id}; it was never committed." });
                return;
        }
    }

    /// <summary>Tells a node in doubt the outcome this node recorded; false while it has none.</summary>
    private bool AnswerOutcome(string id, string to)
    {
        switch (Record(id))
        {
            case { State: TransactionState.Committed } done:
                SendTo(to, new CommitNotice { TransactionId = id, Transaction = done.Transaction });
                return true;
            case { State: TransactionState.Aborted } done:
                SendTo(to, new AbortNotice { TransactionId = id, ErrorId = done.ErrorId ?? ErrorIds.TransactionAborted, Reason = done.Error ?? $"{id} was aborted.", FailedNodes = done.FailedNodes });
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// A master back from a restart settles the transactions it coordinated before: one it had decided to
    /// commit is committed (successor first, as before the restart); one it had not decided is aborted.
    /// </summary>
    private void SettleOwnTransactions(DateTimeOffset now)
    {
        foreach (var record in Records.Where(r => !r.IsFinal && r.Transaction.Coordinator == self).ToList())
        {
            var tx = record.Transaction;
            if (record.Decided && Active is null) { ResumeDecision(now, record); continue; }
            if (DecisionUnknown(record)) { AskSuccessor(record); continue; }
            SettleInDoubt(now, record, self, $"master {self} restarted before it decided {tx.Id}.");
        }
        // Left in doubt by an earlier master. Unlike its successor on a takeover, this node may not be the member told
        // first: another may have committed. Only what it knows settles it here; else it asks the members (AskAboutDoubts).
        foreach (var record in Records.Where(r => !r.IsFinal && r.Transaction.Coordinator != self && r.Transaction.Scope == TransactionScope.Shared).ToList())
        {
            var tx = record.Transaction;
            if (record.State != TransactionState.Prepared || AlreadyApplied(tx) || KnownDecided(record))
                SettleInDoubt(now, record, tx.Coordinator, $"master {tx.Coordinator} went away before it told {self} to commit {tx.Id}.");
            else Log($"{tx.Id} stays in doubt: {self} was not told its outcome and another member may have been");
        }
    }

    /// <summary>
    /// A member that is not master answers a participant in doubt only with what it knows for certain: the
    /// outcome it recorded, or the abort of a transaction it coordinated and never decided. A master that was
    /// never part of the transaction cannot tell, so the members that were answer.
    /// </summary>
    private void AnswerDoubtAsMember(DateTimeOffset now, Prepared asked)
    {
        var id = asked.TransactionId;
        if (AnswerOutcome(id, asked.From)) return;
        switch (Record(id))
        {
            case { Decided: false } mine when mine.Transaction.Coordinator == self && Active?.Transaction.Id != id && !DecisionUnknown(mine):
                var reason = $"{self} coordinated {id} and never decided it; it was never committed.";
                AbortLocally(now, id, ErrorIds.TransactionAborted, reason, []);
                // Every member is told, as when it settles its own transactions after a restart (this one is then final).
                foreach (var member in mine.Transaction.Members.Append(asked.From).Where(m => m != self).Distinct())
                    SendTo(member, new AbortNotice { TransactionId = id, ErrorId = ErrorIds.TransactionAborted, Reason = reason });
                return;
        }
    }

    /// <summary>
    /// A master back (restarted, or master again after stepping down) with a commit it decided: the successor it
    /// notifies first is the one of the decision (the first member after it), whatever its state now, and the
    /// master waits for it. While the master was away that successor may have taken over without the notice and
    /// aborted: then it answers with the abort and the decision is void (<see cref="AbandonDecision"/>); else it
    /// commits, and the rest follow. Both gone for good blocks the change: its disk groups stay quiesced.
    /// </summary>
    private void ResumeDecision(DateTimeOffset now, TransactionRecord record)
    {
        var tx = record.Transaction;
        Log($"resuming the commit of {tx.Id}, decided before; successor first");
        var active = new Coordination
        {
            Transaction = tx, Phase = CoordinationPhase.NotifyingSuccessor, Before = Database, Resumed = true,
            Successor = DecisionSuccessor(record), Deadline = now + options.PrepareTimeout, SuccessorNotifiedAt = now,
        };
        active.Prepared.UnionWith(tx.Members);
        Active = active;
        if (active.Successor is null) { NotifyRest(active); return; }
        if (IsReachable(active.Successor)) SendTo(active.Successor, new CommitNotice { TransactionId = tx.Id, Transaction = tx });
    }

    /// <summary>
    /// The successor answered the commit notice with its abort: it took over while this master was away and,
    /// never told, aborted. No member was told before it, so none committed: the decision is void everywhere.
    /// </summary>
    private void AbandonDecision(DateTimeOffset now, Coordination active, AbortNotice notice)
    {
        var tx = active.Transaction;
        var reason = $"successor {notice.From} aborted {tx.Id} before it was told of the commit: {notice.Reason}";
        Log($"the decision to commit {tx.Id} is void: {reason}");
        AbortLocally(now, tx.Id, notice.ErrorId, reason, notice.FailedNodes);
        var abort = new AbortNotice { TransactionId = tx.Id, ErrorId = notice.ErrorId, Reason = reason, FailedNodes = notice.FailedNodes };
        foreach (var member in tx.Members.Where(m => m != self && m != notice.From && IsReachable(m))) SendTo(member, abort);
        Reply(active.CommitRequestId, ControlResponse.Failure(notice.ErrorId, reason, notice.FailedNodes.Select(n => NodeFailure.Of(n, notice.ErrorId, reason))));
        Active = null;
        AdmitPendingJoins(now);
    }

    /// <summary>
    /// A new master settles a transaction it holds in doubt: aborted — unless its own database already holds
    /// it (the commit was applied here and the agent stopped before journalling it), or its coordinator said it
    /// had decided it while passing over a successor (<see cref="KnownDecided"/>): then it is committed.
    /// Either way every member is told.
    /// </summary>
    private void SettleInDoubt(DateTimeOffset now, TransactionRecord record, string failed, string reason)
    {
        var tx = record.Transaction;
        if (record.State == TransactionState.Prepared && (AlreadyApplied(tx) || KnownDecided(record)))
        {
            ApplyCommit(now, record);
            foreach (var member in Others) SendTo(member, new CommitNotice { TransactionId = tx.Id, Transaction = tx });
            return;
        }
        // Durable here before anyone hears it: a node that told a member of the abort and then died must not come back in
        // doubt, free to commit what that member already aborted.
        AbortLocally(now, tx.Id, ErrorIds.MasterChanged, reason, [failed]);
        foreach (var member in Others) SendTo(member, new AbortNotice { TransactionId = tx.Id, ErrorId = ErrorIds.MasterChanged, Reason = reason, FailedNodes = [failed] });
    }

    /// <summary>A new master settles the old master's transaction: complete it if this node was told to commit, else abort it.</summary>
    private void ResolveInDoubt(DateTimeOffset now, string oldMaster)
    {
        foreach (var record in Records.Where(r => !r.IsFinal && r.Transaction.Coordinator == oldMaster).ToList())
        {
            SettleInDoubt(now, record, oldMaster, $"master {oldMaster} left before it told {self} to commit {record.Transaction.Id}.");
        }
        if (Records.LastOrDefault(r => r.State == TransactionState.Committed && r.Transaction.Coordinator == oldMaster) is { } last)
            foreach (var member in Others) SendTo(member, new CommitNotice { TransactionId = last.Transaction.Id, Transaction = last.Transaction });
    }
}
