using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// How far each plex resynchronisation got, kept in the private region of the disk that holds the stale plex's first
/// subdisk, so whichever node runs the copy next (the same agent restarted, or a new master) resumes there.
/// <code>
/// 516 KiB  4 KiB  magic "VMSYNC01" (8), entry count (4), entries: key (uint16 length + UTF-8), done bytes (int64);
///                 SHA-256 of everything before it
/// </code>
/// A key names the plex and its layout (<see cref="Key"/>), so a new plex of the same name never inherits progress.
/// </summary>
public static class ResyncCheckpoint
{
    public const int Offset = PrivateRegion.LeaseOffset + PrivateRegion.LeaseSize;
    public const int Size = 4096;
    private const int ChecksumSize = 32;
    private static ReadOnlySpan<byte> Magic => "VMSYNC01"u8;

    public static string Key(Model.DiskGroup group, Model.Volume volume, Model.Plex plex) =>
        $"{group.Id:N}/{volume.Name}/{plex.Name}/" + string.Join(",", plex.Subdisks.Select(s => $"{s.Disk}@{s.Offset}+{s.Length}"));

    /// <summary>The entries; empty for a blank or damaged slot (progress is then simply lost: the copy starts over).</summary>
    public static Dictionary<string, long> Decode(ReadOnlySpan<byte> slot)
    {
        var entries = new Dictionary<string, long>(StringComparer.Ordinal);
        if (slot.Length < Size || !slot[..Magic.Length].SequenceEqual(Magic)) return entries;
        var count = BinaryPrimitives.ReadInt32LittleEndian(slot[8..]);
        var at = 12;
        for (var i = 0; i < count; i++)
        {
            if (at + 2 > Size - ChecksumSize) return [];
            var length = BinaryPrimitives.ReadUInt16LittleEndian(slot[at..]);
            if (at + 2 + length + 8 > Size - ChecksumSize) return [];
            var key = Encoding.UTF8.GetString(slot.Slice(at + 2, length));
            entries[key] = BinaryPrimitives.ReadInt64LittleEndian(slot[(at + 2 + length)..]);
            at += 2 + length + 8;
        }
        return SHA256.HashData(slot[..at]).AsSpan().SequenceEqual(slot.Slice(at, ChecksumSize)) ? entries : [];
    }

    /// <summary>The slot's bytes; entries that do not fit are left out (the oldest progress is the cheapest to lose).</summary>
    public static byte[] Encode(IReadOnlyDictionary<string, long> entries)
    {
        var slot = new byte[Size];
        Magic.CopyTo(slot);
        var at = 12;
        var count = 0;
        foreach (var (key, done) in entries)
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            if (bytes.Length > ushort.MaxValue || at + 2 + bytes.Length + 8 > Size - ChecksumSize) continue;
            BinaryPrimitives.WriteUInt16LittleEndian(slot.AsSpan(at), (ushort)bytes.Length);
            bytes.CopyTo(slot, at + 2);
            BinaryPrimitives.WriteInt64LittleEndian(slot.AsSpan(at + 2 + bytes.Length), done);
            at += 2 + bytes.Length + 8;
            count++;
        }
        BinaryPrimitives.WriteInt32LittleEndian(slot.AsSpan(8), count);
        SHA256.HashData(slot.AsSpan(0, at), slot.AsSpan(at, ChecksumSize));
        return slot;
    }
}
