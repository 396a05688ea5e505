using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// One volume's dirty regions in a node's slot: the bitmap of <see cref="RegionBytes"/>-sized regions as the sorted
/// indexes of its set bits, or <see cref="Whole"/> when the volume is dirty throughout (its bitmap did not fit).
/// </summary>
public sealed record DirtyEntry(Guid GroupId, string Volume, int RegionBytes, IReadOnlyList<long> Regions, bool Whole = false)
{
    public (Guid, string) Key => (GroupId, Volume);
}

/// <summary>
/// A node's dirty region log on one disk: whose it is, which run of that node's agent wrote it, and its entries.
/// <see cref="Overflow"/>: the entries did not fit the slot, so every volume logged on the disk counts as dirty throughout.
/// </summary>
public sealed record DirtyRegionLogContent(string Node, Guid Incarnation, IReadOnlyList<DirtyEntry> Entries, bool Overflow = false);

/// <summary>
/// The dirty region logs in a disk's private region: one slot per node of the cluster (the one whose header names it,
/// <see cref="Resync.DirtyRegions.SlotFor"/>), each holding a bitmap per volume whose log lives on that disk (<see cref="Resync.DirtyRegions.LogDisk"/>).
/// <code>
/// 520 KiB + 8 KiB × slot   magic "VMDRL001" (8), node (uint16 length + UTF-8), incarnation (16), entry count (uint16),
///                          entries: group id (16), volume (uint16 length + UTF-8), region bytes (int32), bits (int32,
///                          0: the whole volume), bitmap ((bits + 7) / 8 bytes); SHA-256 of everything before it
/// </code>
/// Volumes whose bitmaps do not fit are written whole (every region dirty): more is copied after a crash, never less.
/// </summary>
public static class DirtyRegionSlot
{
    public const int AreaOffset = ResyncCheckpoint.Offset + ResyncCheckpoint.Size;
    public const int Size = 8192;
    public const int Slots = (PrivateRegion.Size - AreaOffset) / Size;
    private const int ChecksumSize = 32;
    private const ushort OverflowCount = ushort.MaxValue;
    private static ReadOnlySpan<byte> Magic => "VMDRL001"u8;

    public static long OffsetOf(int slot) => slot is >= 0 and < Slots
        ? AreaOffset + (long)slot * Size
        : throw new ArgumentOutOfRangeException(nameof(slot), $"a disk holds {Slots} dirty region log slots; slot {slot} is none of them.");

    /// <summary>The bytes of every slot, in a disk's private region.</summary>
    public const int AreaSize = Slots * Size;

    /// <summary>Every slot of the area (<see cref="AreaSize"/> bytes from <see cref="AreaOffset"/>), decoded: null for a blank or damaged one.</summary>
    public static DirtyRegionLogContent?[] DecodeArea(ReadOnlySpan<byte> area)
    {
        var slots = new DirtyRegionLogContent?[Slots];
        for (var slot = 0; slot < Slots; slot++) slots[slot] = Decode(area.Slice(slot * Size, Size));
        return slots;
    }

    /// <summary>A log without one volume's entry (a recovery copied it), as its slot's bytes.</summary>
    public static byte[] EncodeWithout(DirtyRegionLogContent log, Guid group, string volume) =>
        Encode(log with { Entries = [.. log.Entries.Where(e => e.GroupId != group || e.Volume != volume)] }, RegionsNeeded);

    /// <summary>The shortest bitmap that holds an entry's dirty regions (when the volume's own count is not known).</summary>
    public static long RegionsNeeded(DirtyEntry entry) => entry.Regions.Count == 0 ? 0 : entry.Regions.Max() + 1;

    /// <summary>The slot's log; null for a blank or damaged slot.</summary>
    public static DirtyRegionLogContent? Decode(ReadOnlySpan<byte> slot)
    {
        if (slot.Length < Size || !slot[..Magic.Length].SequenceEqual(Magic)) return null;
        var at = Magic.Length;
        if (Text(slot, ref at) is not { } node || at + 18 > Size) return null;
        var incarnation = new Guid(slot.Slice(at, 16));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(slot[(at + 16)..]);
        at += 18;
        var entries = new List<DirtyEntry>();
        if (count == OverflowCount) return SHA256.HashData(slot[..at]).AsSpan().SequenceEqual(slot.Slice(at, ChecksumSize)) ? new(node, incarnation, [], Overflow: true) : null;
        for (var i = 0; i < count; i++)
        {
            if (at + 16 > Size) return null;
            var group = new Guid(slot.Slice(at, 16));
            at += 16;
            if (Text(slot, ref at) is not { } volume || at + 8 > Size) return null;
            var regionBytes = BinaryPrimitives.ReadInt32LittleEndian(slot[at..]);
            var bits = BinaryPrimitives.ReadInt32LittleEndian(slot[(at + 4)..]);
            at += 8;
            var length = (bits + 7) / 8;
            if (bits < 0 || at + length > Size - ChecksumSize) return null;
            entries.Add(new DirtyEntry(group, volume, regionBytes, SetBits(slot.Slice(at, length), bits), Whole: bits == 0));
            at += length;
        }
        if (at + ChecksumSize > Size || !SHA256.HashData(slot[..at]).AsSpan().SequenceEqual(slot.Slice(at, ChecksumSize))) return null;
        return new DirtyRegionLogContent(node, incarnation, entries);
    }

    /// <summary>
    /// The slot's bytes. <paramref name="regionCounts"/> gives each entry's bitmap length in regions; an entry marked
    /// <see cref="DirtyEntry.Whole"/>, or one whose bitmap no longer fits, is written as the whole volume.
    /// </summary>
    public static byte[] Encode(DirtyRegionLogContent log, Func<DirtyEntry, long> regionCounts)
    {
        var slot = new byte[Size];
        Magic.CopyTo(slot);
        var at = Magic.Length;
        WriteText(slot, ref at, log.Node);
        log.Incarnation.TryWriteBytes(slot.AsSpan(at));
        var countAt = at + 16;
        at += 18;
        var count = 0;
        foreach (var entry in log.Entries)
        {
            var name = Encoding.UTF8.GetBytes(entry.Volume);
            var bits = entry.Whole ? 0 : (int)Math.Min(int.MaxValue, regionCounts(entry));
            var fixedPart = 16 + 2 + name.Length + 8;
            if (at + fixedPart + (bits + 7) / 8 > Size - ChecksumSize - 64) bits = 0;   // a bitmap that does not fit: the whole volume
            if (at + fixedPart > Size - ChecksumSize - 64)
            {
                at = countAt + 2;
                count = OverflowCount;
                break;
            }
            entry.GroupId.TryWriteBytes(slot.AsSpan(at));
            at += 16;
            WriteText(slot, ref at, entry.Volume);
            BinaryPrimitives.WriteInt32LittleEndian(slot.AsSpan(at), entry.RegionBytes);
            BinaryPrimitives.WriteInt32LittleEndian(slot.AsSpan(at + 4), bits);
            at += 8;
            foreach (var region in entry.Regions.Where(r => r < bits)) slot[at + (int)(region / 8)] |= (byte)(1 << (int)(region % 8));
            at += (bits + 7) / 8;
            count++;
        }
        if (log.Overflow) (at, count) = (countAt + 2, OverflowCount);
        if (count == OverflowCount) slot.AsSpan(at).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(slot.AsSpan(countAt), (ushort)count);
        SHA256.HashData(slot.AsSpan(0, at), slot.AsSpan(at, ChecksumSize));
        return slot;
    }

    private static List<long> SetBits(ReadOnlySpan<byte> bitmap, int bits)
    {
        var set = new List<long>();
        for (var i = 0; i < bits; i++)
            if ((bitmap[i / 8] & (1 << (i % 8))) != 0) set.Add(i);
        return set;
    }

    private static string? Text(ReadOnlySpan<byte> slot, ref int at)
    {
        if (at + 2 > Size) return null;
        var length = BinaryPrimitives.ReadUInt16LittleEndian(slot[at..]);
        if (at + 2 + length > Size) return null;
        var text = Encoding.UTF8.GetString(slot.Slice(at + 2, length));
        at += 2 + length;
        return text;
    }

    private static void WriteText(byte[] slot, ref int at, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        BinaryPrimitives.WriteUInt16LittleEndian(slot.AsSpan(at), (ushort)bytes.Length);
        bytes.CopyTo(slot, at + 2);
        at += 2 + bytes.Length;
    }
}
