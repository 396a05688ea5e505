using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// A change held in doubt whose base this node's configuration has since passed without it can no longer be committed
/// here: another change produced the generation it would have made. A joiner settles such a change from the master's
/// generation (<see cref="ResolveFromOutcomes"/>); a node that went past the base itself — a master that prepared a
/// change on that base while in doubt, as <see cref="MissedPassOver"/> lets it with half the change's members here —
/// settles it the same way, or it would stay prepared for good once the members that could answer are gone
/// (chaos seed 24424: the coordinator, the only other member, was removed from the cluster).
/// </summary>
public sealed partial class NodeMachine
{
    private void SettlePassedDoubts(DateTimeOffset now)
    {
        foreach (var record in Records.Where(PassedWithoutIt).ToList())
        {
            var tx = record.Transaction;
            Log($"{tx.Id} settled aborted: generation {tx.BaseGeneration} has been passed here ({Database.Generation}) without it");
            AbortLocally(now, tx.Id, ErrorIds.TransactionAborted,
                $"another change committed on generation {tx.BaseGeneration} before {tx.Id} was settled; it can no longer be committed.", [tx.Coordinator]);
        }
    }

    /// <summary>Another coordinator's shared change, prepared here, on a base the configuration here has passed without applying it.</summary>
    private bool PassedWithoutIt(TransactionRecord record) => record.State == TransactionState.Prepared
        && record.Transaction.Coordinator != self && record.Transaction.Scope == TransactionScope.Shared
        && Database.Generation > record.Transaction.BaseGeneration && !AlreadyApplied(record.Transaction) && !Switching(record.Transaction.Id);
}
