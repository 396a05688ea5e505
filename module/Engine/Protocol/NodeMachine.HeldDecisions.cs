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
    /// <summary>Shared commits this node decided and is not carrying through as the coordinator of <see cref="Active"/>.</summary>
    private IEnumerable<TransactionRecord> HeldDecisions => Records.Where(r => r.Decided && !r.IsFinal && r.Transaction.Coordinator == self
        && r.Transaction.Scope == TransactionScope.Shared && Active?.Transaction.Id != r.Transaction.Id);

    /// <summary>The member told first of a decision: the first after the coordinator, as in <see cref="ResumeDecision"/>.</summary>
    private static string? DecisionSuccessor(Transaction tx) => tx.Members.FirstOrDefault(m => m != tx.Coordinator);

    /// <summary>
    /// Each heartbeat the successor of a held decision is told again, until it answers: its acknowledgement
    /// (<see cref="CommitHeldDecision"/>), or the abort it recorded when it took over untold (the decision is then void).
    /// </summary>
    private void HandOnDecisions()
    {
        foreach (var record in HeldDecisions)
            if (DecisionSuccessor(record.Transaction) is { } successor && IsReachable(successor))
                SendTo(successor, new CommitNotice { TransactionId = record.Transaction.Id, Transaction = record.Transaction });
    }

    /// <summary>The successor of a held decision committed: no one can abort it now. This node commits, and every member is told.</summary>
    private void CommitHeldDecision(DateTimeOffset now, CommitAck ack)
    {
        if (HeldDecisions.FirstOrDefault(r => r.Transaction.Id == ack.TransactionId) is not { } record) return;
        var tx = record.Transaction;
        if (ack.From != DecisionSuccessor(tx)) return;
        Log($"successor {ack.From} committed {tx.Id}, decided here before this node stopped being master");
        ApplyCommit(now, record);
        foreach (var member in Others.Where(m => m != ack.From)) SendTo(member, new CommitNotice { TransactionId = tx.Id, Transaction = tx });
    }
}
