using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Agent.Storage;

/// <summary>The node's transaction journal: one JSON line per record, appended and fsynced; the last line per id wins.</summary>
public sealed class Journal : IDisposable
{
    private readonly FileStream stream;

    public Journal(string path)
    {
        Path = path;
        stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    public string Path { get; }

    public void Append(TransactionRecord record)
    {
        var line = WireJson.Serialize(record);
        stream.Write(line);
        stream.WriteByte((byte)'\n');
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Every record in the journal, the latest state of each, in first-seen order; a torn last line is skipped.</summary>
    public static List<TransactionRecord> Load(string path, Action<string> log)
    {
        if (!File.Exists(path)) return [];
        var latest = new Dictionary<string, TransactionRecord>();
        var order = new List<string>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var record = WireJson.Deserialize<TransactionRecord>(line);
                if (!latest.ContainsKey(record.Transaction.Id)) order.Add(record.Transaction.Id);
                latest[record.Transaction.Id] = record;
            }
            catch (Exception e) { log($"journal {path} line {number} is unreadable and was skipped: {e.Message}"); }
        }
        return order.Select(id => latest[id]).ToList();
    }

    public void Dispose() => stream.Dispose();
}
