using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// The disk lease in the 4 KiB slot at <see cref="PrivateRegion.LeaseOffset"/> of a shared disk's private region.
/// The side of an exact-half partition whose node holds the lease on a majority of the shared disks keeps quorum.
/// <code>
/// offset  size  field
/// 0       8     magic "VMLEASE1"
/// 8       8     ballot (int64: the holder's membership epoch when it wrote)
/// 16      8     expiry (int64, Unix milliseconds)
/// 24      8     renewed at (int64, Unix milliseconds)
/// 32      2     holder name length H (uint16)
/// 34      H     holder node name (UTF-8)
/// 34+H    32    SHA-256 of bytes 0 .. 34+H
/// </code>
/// The rest of the slot is zero. A slot that is zero, torn or fails its checksum holds no lease.
/// </summary>
public sealed record DiskLease(string Holder, long Ballot, DateTimeOffset Expires, DateTimeOffset Renewed)
{
    private const int FixedSize = 34;
    private const int ChecksumSize = 32;
    public const int MaxHolderBytes = PrivateRegion.LeaseSize - FixedSize - ChecksumSize;

    public static ReadOnlySpan<byte> Magic => "VMLEASE1"u8;

    /// <summary>The whole slot, <see cref="PrivateRegion.LeaseSize"/> bytes.</summary>
    public byte[] Encode()
    {
        var name = Encoding.UTF8.GetBytes(Holder);
        if (name.Length > MaxHolderBytes) throw new ArgumentException($"the node name '{Holder}' is too long for the disk lease.");
        var slot = new byte[PrivateRegion.LeaseSize];
        Magic.CopyTo(slot);
        BinaryPrimitives.WriteInt64LittleEndian(slot.AsSpan(8), Ballot);
        BinaryPrimitives.WriteInt64LittleEndian(slot.AsSpan(16), Expires.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(slot.AsSpan(24), Renewed.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt16LittleEndian(slot.AsSpan(32), (ushort)name.Length);
        name.CopyTo(slot.AsSpan(FixedSize));
        SHA256.HashData(slot.AsSpan(0, FixedSize + name.Length), slot.AsSpan(FixedSize + name.Length, ChecksumSize));
        return slot;
    }

    /// <summary>The lease a slot holds; null for an empty, torn or corrupt slot.</summary>
    public static DiskLease? Decode(ReadOnlySpan<byte> slot)
    {
        if (slot.Length < FixedSize + ChecksumSize || !slot[..8].SequenceEqual(Magic)) return null;
        var length = BinaryPrimitives.ReadUInt16LittleEndian(slot[32..]);
        if (length > MaxHolderBytes || FixedSize + length + ChecksumSize > slot.Length) return null;
        Span<byte> hash = stackalloc byte[ChecksumSize];
        SHA256.HashData(slot[..(FixedSize + length)], hash);
        if (!hash.SequenceEqual(slot.Slice(FixedSize + length, ChecksumSize))) return null;
        return new DiskLease(
            Encoding.UTF8.GetString(slot.Slice(FixedSize, length)),
            BinaryPrimitives.ReadInt64LittleEndian(slot[8..]),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(slot[16..])),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(slot[24..])));
    }

    /// <summary>A node may write its lease over <paramref name="current"/> when the slot is empty, already its own, or expired.</summary>
    public static bool MayTake(DiskLease? current, string node, DateTimeOffset now) =>
        current is null || current.Holder == node || current.Expires <= now;

    /// <summary>
    /// Who holds the lease after a round over the disks: the node named, unexpired, on more than half of
    /// <paramref name="disks"/> (the shared disks), and until when it holds all of them; null when no one does.
    /// </summary>
    public static (string? Holder, DateTimeOffset Until) Tally(IEnumerable<DiskLease?> slots, int disks, DateTimeOffset now)
    {
        var live = slots.OfType<DiskLease>().Where(l => l.Expires > now).GroupBy(l => l.Holder)
            .FirstOrDefault(g => g.Count() * 2 > disks);
        return live is null ? (null, DateTimeOffset.MinValue) : (live.Key, live.Min(l => l.Expires));
    }

    /// <summary>
    /// The one count of a lease round, for the agent and the simulator alike: the majority is of
    /// <paramref name="diskSet"/>, the whole set of disks the lease is held on, whether or not this node could open
    /// them this round (a disk it cannot see counts for no one); slots outside the set do not count.
    /// </summary>
    public static (string? Holder, DateTimeOffset Until) TallyOver(
        IReadOnlySet<string> diskSet, IEnumerable<LeaseSlotCount> slots, DateTimeOffset now) =>
        Tally(slots.Where(s => diskSet.Contains(s.Disk)).Select(s => s.Counts), diskSet.Count, now);
}

/// <summary>What one disk's lease slot counted as in a round (null: for no one).</summary>
public readonly record struct LeaseSlotCount(string Disk, DiskLease? Counts);
