using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// How far a copy got and how it was told to run (suspended, stopped, throttled), so that whichever node runs it next
/// (the same agent restarted, or a new master) resumes there in the same state.
/// </summary>
/// <param name="Done">Bytes copied from the start of the volume (a recovery: regions copied, in the order it copies them).</param>
public sealed record ResyncProgress(long Done, string Id = "", TaskKind Kind = TaskKind.Resync, bool Suspended = false, bool Stopped = false, long MaxRateBytes = 0);

/// <summary>
/// Copies' progress, kept in the private region of the disk that holds the target plex's first subdisk.
/// <code>
/// 516 KiB  4 KiB  magic "VMSYNC02" (8), entry count (4), entries: key (uint16 length + UTF-8), done (int64),
///                 task id (uint16 length + UTF-8), kind (1), flags (1: 1 suspended, 2 stopped), max rate (int64 bytes/s);
///                 SHA-256 of everything before it.  "VMSYNC01" slots (key and done only) still read.
/// </code>
/// A key names the plex and its layout (<see cref="Key"/>), so a new plex of the same name never inherits progress.
/// </summary>
public static class ResyncCheckpoint
{
    public const int Offset = PrivateRegion.LeaseOffset + PrivateRegion.LeaseSize;
    public const int Size = 4096;
    private const int ChecksumSize = 32;
    private static ReadOnlySpan<byte> Magic => "VMSYNC02"u8;
    private static ReadOnlySpan<byte> MagicV1 => "VMSYNC01"u8;

    public static string Key(DiskGroup group, Model.Volume volume, Plex plex) =>
        $"{group.Id:N}/{volume.Name}/{plex.Name}/" + string.Join(",", plex.Subdisks.Select(s => $"{s.Disk}@{s.Offset}+{s.Length}"));

    /// <summary>The entries; empty for a blank or damaged slot (progress is then simply lost: the copy starts over).</summary>
    public static Dictionary<string, ResyncProgress> Decode(ReadOnlySpan<byte> slot)
    {
        var entries = new Dictionary<string, ResyncProgress>(StringComparer.Ordinal);
        if (slot.Length < Size) return entries;
        var v1 = slot[..MagicV1.Length].SequenceEqual(MagicV1);
        if (!v1 && !slot[..Magic.Length].SequenceEqual(Magic)) return entries;
        var reader = new SlotReader(slot[..(Size - ChecksumSize)]) { At = 12 };
        var count = BinaryPrimitives.ReadInt32LittleEndian(slot[8..]);
        for (var i = 0; i < count; i++)
        {
            if (reader.Text() is not { } key || reader.Int64() is not { } done) return [];
            if (v1) { entries[key] = new ResyncProgress(done); continue; }
            if (reader.Text() is not { } id || reader.Byte() is not { } kind || reader.Byte() is not { } flags || reader.Int64() is not { } rate) return [];
            entries[key] = new ResyncProgress(done, id, (TaskKind)kind, (flags & 1) != 0, (flags & 2) != 0, rate);
        }
        return SHA256.HashData(slot[..reader.At]).AsSpan().SequenceEqual(slot.Slice(reader.At, ChecksumSize)) ? entries : [];
    }

    /// <summary>The slot's bytes; entries that do not fit are left out (the oldest progress is the cheapest to lose).</summary>
    public static byte[] Encode(IReadOnlyDictionary<string, ResyncProgress> entries)
    {
        var slot = new byte[Size];
        Magic.CopyTo(slot);
        var at = 12;
        var count = 0;
        foreach (var (key, progress) in entries)
        {
            var entry = EncodeEntry(key, progress);
            if (entry is null || at + entry.Length > Size - ChecksumSize) continue;
            entry.CopyTo(slot, at);
            at += entry.Length;
            count++;
        }
        BinaryPrimitives.WriteInt32LittleEndian(slot.AsSpan(8), count);
        SHA256.HashData(slot.AsSpan(0, at), slot.AsSpan(at, ChecksumSize));
        return slot;
    }

    private static byte[]? EncodeEntry(string key, ResyncProgress progress)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var idBytes = Encoding.UTF8.GetBytes(progress.Id);
        if (keyBytes.Length > ushort.MaxValue || idBytes.Length > ushort.MaxValue) return null;
        var entry = new byte[2 + keyBytes.Length + 8 + 2 + idBytes.Length + 1 + 1 + 8];
        var span = entry.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)keyBytes.Length);
        keyBytes.CopyTo(span[2..]);
        span = span[(2 + keyBytes.Length)..];
        BinaryPrimitives.WriteInt64LittleEndian(span, progress.Done);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], (ushort)idBytes.Length);
        idBytes.CopyTo(span[10..]);
        span = span[(10 + idBytes.Length)..];
        span[0] = (byte)progress.Kind;
        span[1] = (byte)((progress.Suspended ? 1 : 0) | (progress.Stopped ? 2 : 0));
        BinaryPrimitives.WriteInt64LittleEndian(span[2..], progress.MaxRateBytes);
        return entry;
    }

    /// <summary>Reads fields in turn; null once a field would run past the slot's content.</summary>
    private ref struct SlotReader(ReadOnlySpan<byte> content)
    {
        private readonly ReadOnlySpan<byte> content = content;
        public int At;

        public string? Text()
        {
            if (At + 2 > content.Length) return null;
            var length = BinaryPrimitives.ReadUInt16LittleEndian(content[At..]);
            if (At + 2 + length > content.Length) return null;
            var text = Encoding.UTF8.GetString(content.Slice(At + 2, length));
            At += 2 + length;
            return text;
        }

        public long? Int64()
        {
            if (At + 8 > content.Length) return null;
            var value = BinaryPrimitives.ReadInt64LittleEndian(content[At..]);
            At += 8;
            return value;
        }

        public byte? Byte() => At + 1 > content.Length ? null : content[At++];
    }
}
