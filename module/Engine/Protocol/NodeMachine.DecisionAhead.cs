using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// The coordinator's decision and its successor's commit are synced at the same time: the commit notice goes to the
/// successor named in the coordinator's own prepare record while the decision is being written. A coordinator that
/// restarts with no durable decision may so have told its successor; it asks that successor, which answers its outcome
/// or, still prepared, aborts the change and says so (<see cref="OutcomeQuery"/>).
/// </summary>
public sealed partial class NodeMachine
{
    /// <summary>
    /// The successor the coordinator names in its own prepare record: the member it will tell first if nothing changes
    /// meanwhile. None for a change the members serve the old configuration through: the successor told ahead would
    /// have to sync its commit inside its switch, so the decision is durable first instead.
    /// </summary>
    private string? IntendedSuccessor(Transaction tx) =>
        tx.Coordinator == self && Active is { } active && active.Transaction.Id == tx.Id && !ServesOldConfigurationWhilePrepared(tx) ? SuccessorOf(active) : null;

    /// <summary>The first decision goes ahead of its own sync when the successor is the one named at prepare (a restart then knows whom to ask).</summary>
    private bool NoticeAheadOfDecision(Coordination active) => active.Successor is { } successor && IsReachable(successor)
        && Record(active.Transaction.Id) is { Decided: false } record && record.NotifyFirst == successor;

    /// <summary>A transaction this node coordinated whose decision it cannot know (see <see cref="undecidedAtStart"/>).</summary>
    private bool DecisionUnknown(TransactionRecord record) =>
        record is { IsFinal: false, Decided: false } && undecidedAtStart.Contains(record.Transaction.Id);

    /// <summary>A transaction this node coordinated and never decided: no member can have committed it.</summary>
    private bool NeverDecidedHere(TransactionRecord record) =>
        record.Transaction.Coordinator == self && !record.Decided && !DecisionUnknown(record);

    private void AskSuccessor(TransactionRecord record)
    {
        if (record.NotifyFirst is { } successor && successor != self)
            SendTo(successor, new OutcomeQuery { TransactionId = record.Transaction.Id });
    }

    /// <summary>Each heartbeat, every transaction whose decision this node cannot know is asked about again.</summary>
    private void AskSuccessorsAboutUnknownDecisions()
    {
        foreach (var record in Records.Where(DecisionUnknown)) AskSuccessor(record);
    }

    /// <summary>The successor named at prepare answers about a transaction whose decision this node cannot know.</summary>
    private bool AnswersUnknownDecision(string id, string from) => Record(id) is { } record && DecisionUnknown(record) && record.NotifyFirst == from;

    /// <summary>The successor had not been told and aborted: durable here, then every member hears it (some may only have checked).</summary>
    private void AbortUnknownDecision(DateTimeOffset now, AbortNotice notice)
    {
        AbortLocally(now, notice.TransactionId, notice.ErrorId, notice.Reason, notice.FailedNodes);
        foreach (var member in Others.Where(m => m != notice.From))
            SendTo(member, new AbortNotice { TransactionId = notice.TransactionId, ErrorId = notice.ErrorId, Reason = notice.Reason, FailedNodes = [.. notice.FailedNodes] });
    }

    /// <summary>The successor had committed: every other member is told, as the coordinator would have.</summary>
    private void TellOthersCommitted(Transaction tx, string successor)
    {
        foreach (var member in Others.Where(m => m != successor)) SendTo(member, new CommitNotice { TransactionId = tx.Id, Transaction = tx });
    }

    /// <summary>
    /// The coordinator asks what became of its transaction: the outcome recorded here, or, still undecided here, an
    /// abort recorded before the answer (a commit notice arriving later then finds it aborted and answers so).
    /// </summary>
    private void OnOutcomeQuery(DateTimeOffset now, OutcomeQuery query)
    {
        var id = query.TransactionId;
        if (AnswerOutcome(id, query.From)) return;
        switch (Record(id))
        {
            case { Decided: true }:
            case { } other when other.Transaction.Coordinator != query.From:
                return;
            case { }:
                var reason = $"coordinator {query.From} restarted before its decision of {id} was durable, and {self} had not been told to commit it.";
                AbortLocally(now, id, ErrorIds.TransactionAborted, reason, []);
                SendTo(query.From, new AbortNotice { TransactionId = id, ErrorId = ErrorIds.TransactionAborted, Reason = reason });
                return;
            case null:
                SendTo(query.From, new AbortNotice { TransactionId = id, ErrorId = ErrorIds.TransactionAborted, Reason = $"{self} never prepared {id}; it was never committed." });
                return;
        }
    }
}
