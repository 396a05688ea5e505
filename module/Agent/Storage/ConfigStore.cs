using System.Text;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Storage;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Agent.Storage;

/// <summary>
/// A node's durable configuration database and transaction records: a snapshot of the database and the journal
/// written since. A commit appends only what it changed (<see cref="DatabaseChange"/>) and fsyncs it; once the
/// journal has grown past <see cref="CompactAfterBytes"/> plus the snapshot's size, the snapshot is rewritten and
/// the journal started again with the transactions' latest records, so a commit costs what it changed and
/// recovery reads at most about twice the database. Recovery is <see cref="JournalReplay.Replay"/>.
/// </summary>
public sealed class ConfigStore : IDisposable
{
    /// <summary>A change of more volumes than this is written as a snapshot: the journal line would be as large.</summary>
    private const int MostVolumesInAChange = 1000;

    private readonly string snapshotPath;
    private readonly string journalPath;
    private readonly Action<string> log;
    private readonly Action<string> step;
    private readonly long compactAfterBytes;
    private readonly List<TransactionRecord> kept;
    private JournalFile journal;
    private long sequence;
    private long snapshotBytes;
    /// <summary>The journal's length once last folded: the records it keeps, which count against no threshold.</summary>
    private long foldedBytes;
    /// <summary>Lines written while a <see cref="Group"/> is open, made durable together when it closes.</summary>
    private MemoryStream? grouped;

    private ConfigStore(string snapshotPath, string journalPath, Action<string> log, Action<string>? step, long compactAfterBytes,
        NodeDatabase database, List<TransactionRecord> records, long sequence, long snapshotBytes, long journalEnd)
    {
        this.snapshotPath = snapshotPath;
        this.journalPath = journalPath;
        this.log = log;
        this.step = step ?? (_ => { });
        this.compactAfterBytes = compactAfterBytes;
        Database = database;
        kept = records.TakeLast(JournalReplay.KeptTransactions).ToList();
        this.sequence = sequence;
        this.snapshotBytes = snapshotBytes;
        journal = JournalFile.Open(journalPath, journalEnd);
    }

    /// <summary>How far the journal may outgrow the snapshot before it is folded into a new one.</summary>
    public const long CompactAfterBytes = 1024 * 1024;

    /// <summary>The database as last made durable.</summary>
    public NodeDatabase Database { get; private set; }

    /// <summary>Each transaction's latest record as recovered at open, in first-seen order.</summary>
    public IReadOnlyList<TransactionRecord> Records => kept;

    /// <summary>
    /// Recovers the database and records; a journal whose last record a crash cut short is cut back to its last good
    /// record (and logged).
    /// </summary>
    /// <param name="step">Called at each durable step of a write ("append written", "snapshot renamed", ...); tests crash there.</param>
    /// <exception cref="JournalDamagedException">A record in the middle of the journal is unreadable.</exception>
    /// <exception cref="ConfigurationFormatException">The snapshot is unreadable.</exception>
    public static ConfigStore Open(string snapshotPath, string journalPath, Guid clusterId, Action<string> log,
        Action<string>? step = null, long compactAfterBytes = CompactAfterBytes)
    {
        File.Delete(journalPath + ".tmp");
        var (snapshot, snapshotSequence, snapshotBytes) = ReadSnapshot(snapshotPath, clusterId);
        var (read, end) = ReadJournal(journalPath, log);
        var (database, records) = JournalReplay.Replay(snapshot, snapshotSequence, read);
        var sequence = Math.Max(snapshotSequence, read.Count == 0 ? 0 : read[^1].Sequence);
        return new ConfigStore(snapshotPath, journalPath, log, step, compactAfterBytes, database, records, sequence, snapshotBytes, end);
    }

    private static (NodeDatabase, long, long) ReadSnapshot(string path, Guid clusterId)
    {
        if (!File.Exists(path)) return (new NodeDatabase { ClusterId = clusterId }, 0, 0);
        var text = File.ReadAllText(path);
        var (database, sequence) = DatabaseYaml.ReadSnapshot(text, path);
        return (database, sequence, Encoding.UTF8.GetByteCount(text));
    }

    private static (List<JournalEntry>, long End) ReadJournal(string path, Action<string> log)
    {
        if (!File.Exists(path)) return ([], 0);
        var read = JournalText.Read(File.ReadAllBytes(path), path);
        if (read.TornAt is { } torn)
        {
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                file.SetLength(torn);
                file.Flush(flushToDisk: true);
            }
            log($"journal {path}: its last record, at byte {torn}, was cut short by a crash ({read.TornBecause}); the journal was cut back to the {read.Entries.Count} good records before it");
        }
        return (read.Entries, read.End);
    }

    /// <summary>Makes <paramref name="database"/> durable: what changed since the last one, appended, or a new snapshot.</summary>
    public void SaveDatabase(NodeDatabase database)
    {
        var change = DatabaseChange.Between(Database, database);
        if (change is null || change.Shared.Concat(change.Private).Sum(g => g.Volumes.Count) > MostVolumesInAChange) Compact(database);
        else if (!change.IsEmpty || !SameFields(Database, database)) Append(new JournalEntry { Sequence = sequence + 1, Database = change });
        Database = database;
        CompactWhenLong();
    }

    private static bool SameFields(NodeDatabase a, NodeDatabase b) =>
        a.ClusterId == b.ClusterId && a.Generation == b.Generation && a.PrivateGeneration == b.PrivateGeneration && a.Epoch == b.Epoch
        && a.Membership.SequenceEqual(b.Membership) && a.LastTransaction == b.LastTransaction;

    /// <summary>Appends one transaction record (one per state change of a transaction on this node).</summary>
    public void Append(TransactionRecord record)
    {
        Append(new JournalEntry { Sequence = sequence + 1, Transaction = record });
        Keep(record);
        CompactWhenLong();
    }

    private void Append(JournalEntry entry)
    {
        var line = JournalText.Line(entry);
        if (grouped is not null)
        {
            grouped.Write(line);
            sequence = entry.Sequence;
            return;
        }
        journal.Append(line, step);
        sequence = entry.Sequence;
    }

    /// <summary>
    /// Group commit: the appends made until the returned object is disposed reach the journal in one write and one
    /// fsync (a commit's database change and its record: one disk flush instead of two). Nothing is durable before
    /// the dispose returns, so the caller sends nothing that depends on them before it.
    /// </summary>
    public IDisposable Group()
    {
        if (grouped is not null) throw new InvalidOperationException("a group of journal appends is already open.");
        grouped = new MemoryStream();
        return new GroupScope(this);
    }

    /// <summary>Writes and fsyncs what the open group holds; the journal is folded after it if it has grown too long.</summary>
    private void CloseGroup()
    {
        WriteGroup();
        CompactWhenLong();
    }

    private void WriteGroup()
    {
        if (grouped is not { } lines) return;
        grouped = null;
        if (lines.Length == 0) return;
        journal.Append(lines.GetBuffer().AsSpan(0, (int)lines.Length), step);
    }

    private sealed class GroupScope(ConfigStore store) : IDisposable
    {
        private bool closed;

        public void Dispose()
        {
            if (closed) return;
            closed = true;
            store.CloseGroup();
        }
    }

    private void CompactWhenLong()
    {
        if (grouped is null && journal.End - foldedBytes > compactAfterBytes + snapshotBytes) Compact(Database);
    }

    private void Keep(TransactionRecord record)
    {
        var at = kept.FindIndex(r => r.Transaction.Id == record.Transaction.Id);
        if (at >= 0) kept[at] = record;
        else kept.Add(record);
        if (kept.Count > JournalReplay.KeptTransactions) kept.RemoveAt(0);
    }

    /// <summary>
    /// A new snapshot holding everything up to <see cref="sequence"/>, then a new journal holding the kept records
    /// after it. A crash between the two leaves the old journal, whose database changes the snapshot already holds
    /// (replay skips them by sequence) and whose transaction records replay as before.
    /// </summary>
    private void Compact(NodeDatabase database)
    {
        WriteGroup();
        var text = Encoding.UTF8.GetBytes(DatabaseYaml.WriteSnapshot(database, ++sequence));
        DurableFile.WriteAtomic(snapshotPath, text, s => step("snapshot " + s));
        snapshotBytes = text.Length;
        var records = new MemoryStream();
        foreach (var record in kept) records.Write(JournalText.Line(new JournalEntry { Sequence = ++sequence, Transaction = record }));
        journal.Dispose();
        DurableFile.WriteAtomic(journalPath, JournalFile.WithRoom(records.GetBuffer().AsSpan(0, (int)records.Length)), s => step("journal " + s));
        journal = JournalFile.Open(journalPath, records.Length);
        foldedBytes = records.Length;
    }

    public void Dispose()
    {
        WriteGroup();
        journal.Dispose();
    }
}
