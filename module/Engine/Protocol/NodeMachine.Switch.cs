using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// The switch: a member that reopened its groups once prepared (<see cref="ServedAcrossChange"/>) serves the old
/// configuration until it is told to commit, then closes the gates again, lets I/O in flight drain, takes the new
/// configuration and opens them. No fsync is inside that freeze: the decision is durable before anyone is told (the
/// coordinator tells no successor ahead of its decision for such a change, <see cref="IntendedSuccessor"/>).
/// </summary>
public sealed partial class NodeMachine
{
    /// <summary>A commit waiting for its drain, and what follows it (the acknowledgement).</summary>
    private sealed record PendingSwitch(TransactionRecord Record, bool AheadOfDecision, DateTimeOffset Asked, Action? Then);

    private readonly Dictionary<string, PendingSwitch> switching = [];

    /// <summary>
    /// No change in flight from here, none switching here, no member Down (one may still serve an older configuration
    /// until it fences itself): every member serves what this node does. A stale plex's copy starts only then, since
    /// it counts on every write reaching the plex it copies into.
    /// </summary>
    public bool ServesOneConfiguration { get; private set; }

    /// <summary>Whether this node is between a commit notice and the switch that applies it (its acknowledgement follows the switch).</summary>
    private bool Switching(string txId) => switching.ContainsKey(txId);

    /// <summary>The gates are open on the old configuration: they close again and the commit applies once they drained.</summary>
    private void StartSwitch(DateTimeOffset now, TransactionRecord record, bool aheadOfDecision, Action? then)
    {
        var tx = record.Transaction;
        switching[tx.Id] = new PendingSwitch(record, aheadOfDecision, now, then);
        Emit(new Quiesce(tx.Id, [.. tx.DiskGroups]));
    }

    /// <summary>
    /// Why a commit must not apply once drained: settled meanwhile (a join took the outcome), or another change has
    /// since committed on its base here (applying it would fork the history, as for a notice that arrives behind).
    /// </summary>
    private string? SettledWhileSwitching(Transaction tx) =>
        Record(tx.Id) is { IsFinal: true } settled ? $"it was settled {settled.State} meanwhile"
        : tx.Scope == TransactionScope.Shared && tx.BaseGeneration != Database.Generation && !AlreadyApplied(tx)
            ? $"generation {tx.BaseGeneration} has been passed here ({Database.Generation})" : null;

    private void OnSwitchDrained(Quiesced drained, PendingSwitch pending)
    {
        var tx = pending.Record.Transaction;
        if (!drained.Ok)
        {
            // Decided: the switch cannot refuse. The kernel opened the gates again; they close for another try.
            Log($"the switch to {tx.Id} waits: {drained.Reason}");
            StartSwitch(pending.Asked, pending.Record, pending.AheadOfDecision, pending.Then);
            return;
        }
        if (SettledWhileSwitching(tx) is { } why)
        {
            Log($"the switch to {tx.Id} applies nothing: {why}");
            Emit(new Resume(tx.Id));
            return;
        }
        // The record's freeze counts the prepare's too.
        quiescedAt[tx.Id] = (drained.Closed ?? pending.Asked) - TimeSpan.FromMilliseconds(pending.Record.FreezeMilliseconds);
        Commit(drained.Now, pending.Record, pending.AheadOfDecision);
        pending.Then?.Invoke();
    }
}
