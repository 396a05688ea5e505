using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>The participant: check, quiesce and prepare durably, apply the commit, or abort and resume.</summary>
public sealed partial class NodeMachine
{
    private ControlResponse Check(DateTimeOffset now, CheckRequest request)
    {
        var tx = request.Transaction;
        var result = NodeChecks.Run(self, Database, request.Visible, tx);
        // A check that arrives late (one of a round the initiator has since replaced) never takes a record back from prepare.
        if (Record(tx.Id) is null or { State: TransactionState.Proposed or TransactionState.Checking })
            Keep(new TransactionRecord { Transaction = tx, State = TransactionState.Checking, Updated = now }, durable: false);
        return new ControlResponse { Ok = true, Check = result };
    }

    private void OnPrepare(DateTimeOffset now, Prepare prepare)
    {
        var tx = prepare.Transaction;
        if (Record(tx.Id) is { IsFinal: true } done) { AnswerPrepare(done); return; }
        // A repeated Prepare (a duplicate, or one queued before a reconnect) must not quiesce twice: a second drain
        // that times out reopens the gates of a prepared transaction.
        if (Record(tx.Id) is { State: TransactionState.Prepared } prepared) { AnswerPrepare(prepared); return; }
        if (Record(tx.Id) is { State: TransactionState.Preparing }) return;
        if (InDoubtOnSameBase(tx) is { } doubt) { RefusePrepare(now, tx, doubt); return; }
        var preparing = new TransactionRecord { Transaction = tx, State = TransactionState.Preparing, Updated = now, NotifyFirst = IntendedSuccessor(tx) };
        Keep(preparing, durable: false);
        // The promise is durable before the gate closes, so this node's fsync is outside its freeze and the others'
        // (it stays Preparing here until the drain and the second check end). A node that restarts with it is in
        // doubt, as one that crashed before answering always was; a refusal after the drain records Aborted.
        Emit(new PersistRecord(preparing.With(TransactionState.Prepared, now)));
        quiescedAt[tx.Id] = now;
        Emit(new Quiesce(tx.Id, HeldWhilePrepared(tx)));
    }

    /// <summary>
    /// The groups a member holds while it is prepared: those the change touches; on the node the change takes out of
    /// the cluster, every shared one too. The others go on without it once the change commits, told last or never
    /// (a notice lost in a reset): until it learns the outcome it must serve nothing from a configuration they may have
    /// moved past, and once removed it stays fenced.
    /// </summary>
    private List<string> HeldWhilePrepared(Transaction tx) =>
        Removes(tx, self) ? [.. tx.DiskGroups.Union(Database.Shared.Select(g => g.Name))] : [.. tx.DiskGroups];

    /// <summary>
    /// A shared change on the same base that this node knows was decided (it coordinated it, or the coordinator said so
    /// passing over a successor), or coordinated without knowing whether it decided (<see cref="DecisionUnknown"/>), or
    /// may have been committed by members away (<see cref="MissedPassOver"/>), and whose outcome it has not recorded: a
    /// master that never saw it cannot tell, and committing another change on that base would fork the history.
    /// </summary>
    private TransactionRecord? InDoubtOnSameBase(Transaction tx) => tx.Scope != TransactionScope.Shared ? null
        : Records.FirstOrDefault(r => r.State == TransactionState.Prepared && (r.Decided || DecisionUnknown(r) || MissedPassOver(r)) && r.Transaction.Id != tx.Id
            && r.Transaction.Scope == TransactionScope.Shared && r.Transaction.BaseGeneration == tx.BaseGeneration);

    /// <summary>
    /// Prepared here for another coordinator, and fewer than half of its members are Joined in this node's cluster: a
    /// majority of them, away, may hold the order that passed over a successor this node did not hear (it may be that
    /// successor, told and restarted before its commit was durable), and the member told next may have committed it
    /// (chaos seed 13811). With half of them here, each of whom would know of such an order, none was given. A change that
    /// removes this node tells it last, or never: with no other member to tell first, its coordinator may have committed
    /// it alone and died, whoever is here (chaos seed 35742).
    /// </summary>
    private bool MissedPassOver(TransactionRecord record) => record.Transaction.Coordinator != self
        && (2 * record.Transaction.Members.Count(m => Member(m) is { State: MemberState.Joined }) < record.Transaction.Members.Count
            || Removes(record.Transaction, self));

    private void RefusePrepare(DateTimeOffset now, Transaction tx, TransactionRecord doubt)
    {
        var refused = (Record(tx.Id) ?? new TransactionRecord { Transaction = tx }).With(TransactionState.Aborted, now);
        refused.Transaction = tx;
        refused.ErrorId = ErrorIds.TransactionAborted;
        refused.Error = $"node {self} holds {doubt.Transaction.Id} unsettled on the same generation {tx.BaseGeneration}; it may have been committed, so no other change is made on that generation until its outcome is known.";
        refused.FailedNodes = [self];
        Keep(refused, durable: true);
        AnswerPrepare(refused);
    }

    private void AnswerPrepare(TransactionRecord record) => SendTo(record.Transaction.Coordinator, new Prepared
    {
        TransactionId = record.Transaction.Id, Ok = record.State == TransactionState.Prepared,
        ErrorId = record.ErrorId, Reason = record.Error,
    });

    private void OnQuiesced(Quiesced quiesced)
    {
        if (switching.Remove(quiesced.TransactionId, out var pending)) { OnSwitchDrained(quiesced, pending); return; }
        if (Record(quiesced.TransactionId) is not { State: TransactionState.Preparing } record)
        {
            // Settled while the kernel drained: it must not stay quiesced.
            if (quiesced.Ok && Record(quiesced.TransactionId) is not { State: TransactionState.Prepared }) Emit(new Resume(quiesced.TransactionId));
            return;
        }
        var tx = record.Transaction;
        var recheck = quiesced.Ok ? NodeChecks.Run(self, Database, quiesced.Visible, tx) : null;
        var failure = !quiesced.Ok
            ? CheckResult.Fail(ErrorIds.TransactionAborted, quiesced.Reason ?? $"node {self} could not quiesce I/O.")
            : recheck!.FirstFailure;
        var next = record.With(failure is null ? TransactionState.Prepared : TransactionState.Aborted, quiesced.Now);
        if (quiesced.Closed is { } closed) quiescedAt[tx.Id] = closed;
        next.FreezeMilliseconds = (quiesced.Now - quiescedAt.GetValueOrDefault(tx.Id, quiesced.Now)).TotalMilliseconds;
        if (failure is not null)
        {
            next.ErrorId = failure.Name;
            next.Error = failure.Message;
            next.FailedNodes = [self];
            Emit(new Resume(tx.Id));
        }
        else if (ServesOldConfigurationWhilePrepared(tx))
        {
            quiescedAt.Remove(tx.Id);
            Emit(new Resume(tx.Id));
        }
        Keep(next, durable: failure is not null);   // Prepared is durable since OnPrepare
        AnswerPrepare(next);
    }

    /// <summary>
    /// Drained and checked, the groups open again on the old configuration until the commit notice (the switch,
    /// <see cref="StartSwitch"/>), unless the two configurations cannot be served side by side, or this node is the
    /// one the change takes out of the cluster: those stay frozen until the outcome.
    /// </summary>
    private bool ServesOldConfigurationWhilePrepared(Transaction tx) =>
        !Removes(tx, self) && tx.DiskGroups.Any() && ServedAcrossChange.Holds(Database, tx.ApplyTo(Database, self), tx.DiskGroups);

    private void OnCommitNotice(DateTimeOffset now, CommitNotice notice)
    {
        if (Switching(notice.TransactionId)) return;   // answered once the switch is done
        var known = Record(notice.TransactionId);
        // Only checked here: the check took no part in the outcome, so the notice's own copy counts, as for one never seen.
        if (known is { State: TransactionState.Checking } && notice.Transaction is not null) known = null;
        var record = known ?? (notice.Transaction is { } tx ? new TransactionRecord { Transaction = tx, State = TransactionState.Prepared } : null);
        if (record is null) { Log($"commit notice for unknown transaction {notice.TransactionId} ignored"); return; }
        if (record.State == TransactionState.Aborted)
        {
            // Answered, so a master that decided while this node took over and aborted learns its decision is void.
            Log($"commit notice for {notice.TransactionId}, which this node aborted, answered with the abort");
            SendTo(notice.From, new AbortNotice { TransactionId = record.Transaction.Id, ErrorId = record.ErrorId ?? ErrorIds.TransactionAborted, Reason = record.Error ?? $"{record.Transaction.Id} was aborted.", FailedNodes = record.FailedNodes });
            return;
        }
        var behind = record.Transaction.Scope == TransactionScope.Shared && record.Transaction.BaseGeneration != Database.Generation;
        if (behind && known is null) { Log($"commit notice for {notice.TransactionId} at generation {record.Transaction.BaseGeneration} ignored: this node is at {Database.Generation}"); }
        else if (record.State != TransactionState.Committed && behind && !AlreadyApplied(record.Transaction))
        {
            // Prepared here, but another change has since committed on its base (a notice held in a connection while
            // a master that never saw it went on): applying it would fork the history. Not acknowledged either.
            Log($"commit notice for {notice.TransactionId} not applied: generation {record.Transaction.BaseGeneration} has been passed here ({Database.Generation})");
            return;
        }
        else if (record.State != TransactionState.Committed)
        {
            var unknown = AnswersUnknownDecision(notice.TransactionId, notice.From);
            ApplyCommit(now, record, notice.AheadOfDecision, () =>
            {
                if (unknown) TellOthersCommitted(record.Transaction, notice.From);
                SendTo(notice.From, new CommitAck { TransactionId = notice.TransactionId, Generation = Database.Generation });
            });
            return;
        }
        SendTo(notice.From, new CommitAck { TransactionId = notice.TransactionId, Generation = Database.Generation });
    }

    /// <summary>
    /// Applies a commit, then runs <paramref name="then"/>. Groups frozen since prepare (or none touched) take it at
    /// once; groups that served the old configuration meanwhile drain first (<see cref="StartSwitch"/>). Told
    /// <paramref name="aheadOfDecision"/> (the successor, while the coordinator's sync runs), this node's writes are the
    /// decision's only durable copy yet, so they come before the new configuration is served.
    /// </summary>
    private void ApplyCommit(DateTimeOffset now, TransactionRecord record, bool aheadOfDecision = false, Action? then = null)
    {
        var tx = record.Transaction;
        if (Switching(tx.Id)) return;
        if (!quiescedAt.ContainsKey(tx.Id) && tx.DiskGroups.Any()) { StartSwitch(now, record, aheadOfDecision, then); return; }
        Commit(now, record, aheadOfDecision);
        then?.Invoke();
    }

    /// <summary>
    /// Takes the new configuration behind closed gates. They open before this node's own fsyncs, as the decision is
    /// durable on the coordinator and, for the others, on the successor already; the acknowledgement still follows the
    /// writes. Told <paramref name="aheadOfDecision"/>, the gates open after them.
    /// </summary>
    private void Commit(DateTimeOffset now, TransactionRecord record, bool aheadOfDecision = false)
    {
        var tx = record.Transaction;
        var applied = AlreadyApplied(tx);
        if (applied) Log($"the database already holds {tx.Id} (the agent stopped between writing it and its journal record)");
        else
        {
            Database = tx.ApplyTo(Database, self);
            if (tx.Scope == TransactionScope.Shared) Database.LastTransaction = tx.Id;
        }
        // Taken out of the cluster: fenced before the change's own hold is let go, and for good (it is never Joined again).
        if (Removes(tx, self)) FenceShared($"node {self} is removed from the cluster by {tx.Id}");
        if (!aheadOfDecision) Emit(new Resume(tx.Id));
        if (!applied) Emit(new PersistDatabase(Database));
        ApplyDefinitionChanges(now, tx);
        var committed = record.With(TransactionState.Committed, now);
        committed.Generation = Database.Generation;
        committed.FreezeMilliseconds = FrozenFor(tx.Id, now, record.FreezeMilliseconds);
        Keep(committed, durable: true);
        if (aheadOfDecision) Emit(new Resume(tx.Id));
        Log($"committed {tx.Id} at generation {Database.Generation}");
    }

    /// <summary>
    /// The database and the journal are two durable writes: a crash between them leaves the change in the database
    /// only. A later generation alone does not tell (another transaction may have produced it); the database names
    /// the transaction it last applied.
    /// </summary>
    private bool AlreadyApplied(Transaction tx) => tx.Scope == TransactionScope.Shared
        ? Database.LastTransaction == tx.Id
        : tx.Operations.OfType<Operations.CreateDiskGroup>().Any(c => Database.Private.Any(g => g.Id == c.Id));

    private void OnAbortNotice(DateTimeOffset now, AbortNotice notice)
    {
        if (AnswersUnknownDecision(notice.TransactionId, notice.From)) { AbortUnknownDecision(now, notice); return; }
        if (Active is { Decided: true } decided && decided.Transaction.Id == notice.TransactionId)
        {
            if (decided.Phase == CoordinationPhase.NotifyingSuccessor && notice.From == decided.Successor) AbandonDecision(now, decided, notice);
            return; // a decision stands against anyone but the successor
        }
        AbortLocally(now, notice.TransactionId, notice.ErrorId, notice.Reason, notice.FailedNodes);
    }

    private void AbortLocally(DateTimeOffset now, string txId, string errorId, string reason, List<string> failedNodes)
    {
        if (Switching(txId)) { Log($"abort of {txId} ignored: this node was told to commit it and is switching"); return; }
        if (errorId != ErrorIds.CheckedOnly) LastAbortReason = $"{txId}: {reason}";
        if (Record(txId) is not { } record || record.State == TransactionState.Committed) return;
        var wasQuiesced = record.State is TransactionState.Preparing or TransactionState.Prepared;
        if (record.State != TransactionState.Aborted)
        {
            var aborted = record.With(TransactionState.Aborted, now);
            aborted.ErrorId = errorId;
            aborted.Error = reason;
            aborted.FailedNodes = failedNodes;
            if (wasQuiesced) aborted.FreezeMilliseconds = FrozenFor(txId, now, record.FreezeMilliseconds);
            Keep(aborted, durable: true);
        }
        if (wasQuiesced) Emit(new Resume(txId));
    }

    /// <summary>How long the transaction's disk groups were closed to new I/O here, from the quiesce to now (they reopen with this input).</summary>
    private double FrozenFor(string txId, DateTimeOffset now, double otherwise) =>
        quiescedAt.Remove(txId, out var closed) ? (now - closed).TotalMilliseconds : otherwise;

    /// <summary>
    /// A prepared shared transaction on a base the configuration <paramref name="generation"/> has not passed,
    /// unless this node coordinated it and never decided (<see cref="NeverDecidedHere"/>): then no one can have committed it.
    /// </summary>
    private bool CannotKnow(TransactionRecord record, long generation) => record.State == TransactionState.Prepared
        && record.Transaction.Scope == TransactionScope.Shared && generation <= record.Transaction.BaseGeneration
        && !NeverDecidedHere(record);

    /// <summary>
    /// A participant still prepared for a transaction well after it answered (its coordinator went away,
    /// or a notice was lost) asks the master again by repeating its Prepared answer; the master answers
    /// with the outcome it knows (<see cref="AnswerDoubt"/>).
    /// </summary>
    private void AskAboutDoubts(DateTimeOffset now)
    {
        SettlePassedDoubts(now);
        if (Master is null) return;
        AskSuccessorsAboutUnknownDecisions();
        // Every member is asked: the master may never have been part of it, while another member holds its outcome.
        // A master asks about what it holds in doubt from an earlier master (SettleOwnTransactions), not about its own.
        foreach (var record in Records.Where(r => r.State == TransactionState.Prepared && (!r.Decided || KnownDecided(r)) && now - r.Updated >= options.DownAfter
                     && (Master != self || r.Transaction.Coordinator != self)))
        {
            var ask = new Prepared
            {
                TransactionId = record.Transaction.Id, Ok = true,
                InDoubtBase = record.Transaction.Scope == TransactionScope.Shared ? record.Transaction.BaseGeneration : null,
            };
            foreach (var member in Others) SendTo(member, ask);
        }
    }

    /// <summary>
    /// (At start.) The previous agent stopped between writing a shared commit into the database and its journal record:
    /// the database names the transaction it last applied, so that one committed here. Left prepared, it would not be an
    /// outcome this node gives a joiner, which would abort it on seeing a generation past its base. Its change of the
    /// cluster definition, written after the database, is made now.
    /// </summary>
    private void SettleAppliedCommit(DateTimeOffset now)
    {
        if (Records.FirstOrDefault(r => !r.IsFinal && r.Transaction.Scope == TransactionScope.Shared && r.Transaction.Id == Database.LastTransaction) is not { } applied) return;
        ApplyDefinitionChanges(now, applied.Transaction);
        var committed = applied.With(TransactionState.Committed, now);
        committed.Generation = Database.Generation;
        Keep(committed, durable: true);
        Log($"the database already holds {applied.Transaction.Id} (the agent stopped between writing it and its journal record): committed");
    }

    /// <summary>
    /// A node that rejoins settles the transactions it left in doubt from the master's outcomes. One it prepared
    /// that the master has no outcome for stays in doubt while the master's configuration is not past it: that
    /// master was never part of it (its cluster may be older) and cannot tell it was not committed.
    /// </summary>
    private void ResolveFromOutcomes(DateTimeOffset now, List<TransactionRecord> outcomes, long masterGeneration)
    {
        foreach (var record in Records.Where(r => !r.IsFinal).ToList())
        {
            var outcome = outcomes.FirstOrDefault(o => o.Transaction.Id == record.Transaction.Id);
            // The configuration taken from the master is the one this transaction produced: committed, outcome or not.
            var produced = outcome is null && record.Transaction.Id == Database.LastTransaction;
            if (outcome is null && !produced && CannotKnow(record, masterGeneration)) { Log($"{record.Transaction.Id} stays in doubt: master {Master} has no outcome for it"); continue; }
            var state = produced || outcome?.State == TransactionState.Committed ? TransactionState.Committed : TransactionState.Aborted;
            var settled = record.With(state, now);
            // A record only checked here may hold an earlier round's copy (the coordinator reopened it on a newer base).
            if (outcome is not null) settled.Transaction = outcome.Transaction;
            settled.Error ??= state == TransactionState.Committed ? null : outcome?.Error ?? "settled on rejoin: the master has no commit of it";
            if (outcome is { State: TransactionState.Committed }) settled.Generation = outcome.Generation;
            else if (produced) settled.Generation = Database.Generation;
            var wasQuiesced = record.State is TransactionState.Preparing or TransactionState.Prepared;
            if (wasQuiesced) settled.FreezeMilliseconds = FrozenFor(record.Transaction.Id, now, record.FreezeMilliseconds);
            Keep(settled, durable: true);
            if (wasQuiesced) Emit(new Resume(record.Transaction.Id));
        }
    }
}
