using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// A decision outlives the coordinator's mastership. A master that decided to commit and then restarted may
/// come back as a slave, the cluster having formed again around a node that was never part of the change: that
/// master cannot settle it (it never saw it) and the members only prepared it, so the coordinator carries its
/// decision through itself — successor first, as it would as master (<see cref="ResumeDecision"/>).
/// </summary>
public sealed partial class NodeMachine
{
    /// <summary>
    /// Shared commits this node decided and is not carrying through as the coordinator of <see cref="Active"/>. One whose
    /// base the configuration here has passed is not handed on: committing it now would fork the history.
    /// </summary>
    private IEnumerable<TransactionRecord> HeldDecisions => Records.Where(r => r.Decided && !r.IsFinal && r.Transaction.Coordinator == self
        && r.Transaction.Scope == TransactionScope.Shared && Active?.Transaction.Id != r.Transaction.Id
        && (Database.Generation == r.Transaction.BaseGeneration || AlreadyApplied(r.Transaction)));

    /// <summary>The member told first of a decision: the one recorded with it, else the first after the coordinator, as in <see cref="ResumeDecision"/>.</summary>
    private static string? DecisionSuccessor(TransactionRecord record) =>
        record.NotifyFirst ?? record.Transaction.Members.FirstOrDefault(m => m != record.Transaction.Coordinator);

    /// <summary>
    /// Each heartbeat the successor of a held decision is told again, until it answers: its acknowledgement
    /// (<see cref="OnHeldDecisionAck"/>), or the abort it recorded when it took over untold (the decision is then void).
    /// </summary>
    private void HandOnDecisions(DateTimeOffset now)
    {
        foreach (var record in HeldDecisions.ToList())
        {
            var tx = record.Transaction;
            // The coordinator was its only member: no one else prepared it, so no one else can have aborted it.
            if (DecisionSuccessor(record) is not { } successor) CommitHeldDecision(now, record, "it was its only member");
            else if (IsReachable(successor)) SendTo(successor, new CommitNotice { TransactionId = tx.Id, Transaction = tx });
        }
    }

    /// <summary>The successor of a held decision acknowledged its commit notice: no one can abort the change now.</summary>
    private void OnHeldDecisionAck(DateTimeOffset now, CommitAck ack)
    {
        if (HeldDecisions.FirstOrDefault(r => r.Transaction.Id == ack.TransactionId) is not { } record || ack.From != DecisionSuccessor(record)) return;
        CommitHeldDecision(now, record, $"successor {ack.From} committed it");
    }

    /// <summary>This node commits the change it decided while master, and every member is told (the successor again is harmless).</summary>
    private void CommitHeldDecision(DateTimeOffset now, TransactionRecord record, string why)
    {
        var tx = record.Transaction;
        Log($"committing {tx.Id}, decided here before this node stopped being master: {why}");
        ApplyCommit(now, record);
        foreach (var member in Others) SendTo(member, new CommitNotice { TransactionId = tx.Id, Transaction = tx });
    }
}
