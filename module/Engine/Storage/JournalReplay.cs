using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// Recovery: the snapshot's database with every later database change of the journal applied in order, and each
/// transaction's latest record (in the order transactions were first seen). The one replay the agent and the
/// simulator use.
/// </summary>
public static class JournalReplay
{
    /// <summary>How many transactions' records a snapshot keeps: as many as a node remembers (NodeMachine keeps 200).</summary>
    public const int KeptTransactions = 200;

    public static (NodeDatabase Database, List<TransactionRecord> Records) Replay(NodeDatabase snapshot, long snapshotSequence, IEnumerable<JournalEntry> entries)
    {
        var database = snapshot;
        var records = new Latest();
        foreach (var entry in entries)
        {
            if (entry.Database is { } change && entry.Sequence > snapshotSequence) database = change.ApplyTo(database);
            if (entry.Transaction is { } record) records.Add(record);
        }
        return (database, records.InOrder());
    }

    /// <summary>Each transaction's latest record, in first-seen order: what the journal stands for once replayed.</summary>
    public static List<TransactionRecord> LatestRecords(IEnumerable<TransactionRecord> records)
    {
        var latest = new Latest();
        foreach (var record in records) latest.Add(record);
        return latest.InOrder();
    }

    private sealed class Latest
    {
        private readonly Dictionary<string, TransactionRecord> byId = [];
        private readonly List<string> order = [];

        public void Add(TransactionRecord record)
        {
            if (!byId.ContainsKey(record.Transaction.Id)) order.Add(record.Transaction.Id);
            byId[record.Transaction.Id] = record;
        }

        public List<TransactionRecord> InOrder() => order.Select(id => byId[id]).ToList();
    }
}
