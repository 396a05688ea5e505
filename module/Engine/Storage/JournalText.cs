using System.Security.Cryptography;
using System.Text;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// The journal's bytes: one line per <see cref="JournalEntry"/>, "&lt;checksum&gt; &lt;json&gt;\n", where the checksum is
/// the first 16 hex digits of the SHA-256 of the JSON, and after the last record zeros (room written ahead of the
/// records, so a record's sync changes no metadata). A crash can tear only the end of the records: damage there is
/// cut off (<see cref="JournalReadResult.TornAt"/>); damage followed by good records is not a torn write, and
/// reading refuses it (<see cref="JournalDamagedException"/>).
/// </summary>
public static class JournalText
{
    private const int ChecksumLength = 16;

    public static byte[] Line(JournalEntry entry)
    {
        var json = WireJson.Serialize(entry);
        var line = new byte[ChecksumLength + 1 + json.Length + 1];
        Encoding.ASCII.GetBytes(Checksum(json), line);
        line[ChecksumLength] = (byte)' ';
        json.CopyTo(line, ChecksumLength + 1);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <exception cref="JournalDamagedException">A record before the last good one is unreadable.</exception>
    public static JournalReadResult Read(ReadOnlySpan<byte> bytes, string sourceName)
    {
        var entries = new List<JournalEntry>();
        (long Offset, int Line, string Problem)? bad = null;
        var offset = 0;
        for (var number = 1; offset < bytes.Length; number++)
        {
            if (bad is null && bytes[offset] == 0 && !bytes[offset..].ContainsAnyExcept((byte)0)) break;   // the room ahead

            var end = bytes[offset..].IndexOf((byte)'\n');
            JournalEntry? entry = null;
            var problem = end < 0 ? "it ends without its line end (a write cut short)" : Problem(bytes.Slice(offset, end), out entry);
            if (problem is null)
            {
                if (bad is { } earlier)
                    throw new JournalDamagedException(sourceName, earlier.Line, earlier.Offset,
                        $"{sourceName}: journal record {earlier.Line} (byte {earlier.Offset}) is damaged ({earlier.Problem}), and good records follow it, " +
                        "so it is not a write the last crash cut short. The agent does not start on a journal that lost a record from its middle: " +
                        "restore the state directory from a backup, or remove it so the node joins again and takes the configuration from the master.");
                entries.Add(entry!);
            }
            else bad ??= (offset, number, problem);
            offset = end < 0 ? bytes.Length : offset + end + 1;
        }
        return new JournalReadResult(entries, bad?.Offset ?? offset, bad?.Offset, bad?.Problem);
    }

    private static string? Problem(ReadOnlySpan<byte> line, out JournalEntry? entry)
    {
        entry = null;
        if (line.Length < ChecksumLength + 2 || line[ChecksumLength] != (byte)' ') return "it is not '<checksum> <record>'";
        var json = line[(ChecksumLength + 1)..];
        var stored = Encoding.ASCII.GetString(line[..ChecksumLength]);
        if (stored != Checksum(json)) return $"checksum {stored} does not match its content ({Checksum(json)})";
        try { entry = WireJson.Deserialize<JournalEntry>(json); }
        catch (System.Text.Json.JsonException e) { return $"its content is not a journal record: {e.Message}"; }
        return entry.Database is null == entry.Transaction is null ? "it holds neither a database change nor a transaction record, or both" : null;
    }

    private static string Checksum(ReadOnlySpan<byte> json) => Convert.ToHexStringLower(SHA256.HashData(json))[..ChecksumLength];
}

/// <summary>The good records of a journal, where they end, and where a torn end starts (null when they end cleanly).</summary>
public sealed record JournalReadResult(List<JournalEntry> Entries, long End, long? TornAt, string? TornBecause);

/// <summary>A journal damaged before its end: the node cannot know what it lost, so it refuses to start.</summary>
public sealed class JournalDamagedException(string path, int line, long offset, string message) : Exception(message)
{
    public string Path { get; } = path;
    public int Line { get; } = line;
    public long Offset { get; } = offset;
}
