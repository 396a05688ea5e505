using System.Buffers.Binary;
using System.Security.Cryptography;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// The layout of a disk's first MiB, its private region. The public region (subdisks) starts after it.
/// <code>
/// offset      size  field
/// 0           8     magic "VMPRIV01"
/// 8           4     format version (uint32, little-endian)
/// 12          4     identity length N (uint32)
/// 16          N     identity: disk id (16), disk name (uint16 length + UTF-8), disk group name (same),
///                   disk group id (16), generation (int64)
/// 16+N        32    SHA-256 of bytes 0 .. 16+N
/// 8 KiB       ...   the owning group's configuration copy (see <see cref="ConfigCopySection"/>), checksummed apart
///                   from the identity, so a damaged copy still leaves the disk known and importable from its peers
/// 512 KiB     4 KiB the disk lease (<see cref="DiskLease"/>); the content above must end before it
/// 516 KiB     4 KiB resynchronisation checkpoints (<see cref="ResyncCheckpoint"/>)
/// 520 KiB     8 KiB dirty region log slots to the end of the MiB, one per node, found by the node name in its
///                   header (<see cref="DirtyRegionSlot"/>, <see cref="Resync.DirtyRegions.SlotFor"/>; 63 slots)
/// </code>
/// </summary>
public static class PrivateRegion
{
    public const int Size = 1024 * 1024;
    public const int PublicRegionOffset = Size;
    public const int FormatVersion = 2;
    /// <summary>The fixed slot of the disk lease that breaks exact-half ties (<see cref="DiskLease"/>).</summary>
    public const int LeaseOffset = 512 * 1024;
    public const int LeaseSize = 4096;
    public const int HeaderSize = 16;
    public const int ChecksumSize = 32;
    public const int CopyOffset = 8 * 1024;
    public const int MaxBodyLength = CopyOffset - HeaderSize - ChecksumSize;
    /// <summary>What a reader takes first: the identity and the copy's header, enough to know how much more to read.</summary>
    public const int FirstRead = CopyOffset + ConfigCopySection.HeaderSize;
    private const int Alignment = 4096;

    public static ReadOnlySpan<byte> Magic => "VMPRIV01"u8;

    /// <summary>The bytes to write at offset 0: identity and copy with their checksums, zero-padded to a 4 KiB boundary.</summary>
    /// <exception cref="ArgumentException">The configuration copy is too large to fit before the lease slot.</exception>
    public static byte[] Encode(PrivateRegionContent content) => Encode(content, EncodeCopy(content));

    /// <summary>The configuration copy section alone: the same bytes for every disk of the group, so encoded once per group and commit.</summary>
    /// <exception cref="ArgumentException">The configuration copy is too large to fit before the lease slot.</exception>
    public static byte[] EncodeCopy(PrivateRegionContent content) => ConfigCopySection.Encode(content, LeaseOffset - CopyOffset);

    /// <summary>The region with a copy section from <see cref="EncodeCopy"/> of the same group and generation.</summary>
    public static byte[] Encode(PrivateRegionContent content, byte[] copy)
    {
        var body = PrivateRegionBody.Encode(content);
        if (body.Length > MaxBodyLength)
            throw new ArgumentException($"The identity of disk '{content.DiskName}' needs {body.Length} bytes; at most {MaxBodyLength} fit.", nameof(content));
        var region = new byte[(CopyOffset + copy.Length + Alignment - 1) / Alignment * Alignment];
        Magic.CopyTo(region);
        BinaryPrimitives.WriteUInt32LittleEndian(region.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(region.AsSpan(12), (uint)body.Length);
        body.CopyTo(region.AsSpan(HeaderSize));
        SHA256.HashData(region.AsSpan(0, HeaderSize + body.Length), region.AsSpan(HeaderSize + body.Length, ChecksumSize));
        copy.CopyTo(region.AsSpan(CopyOffset));
        return region;
    }

    /// <summary>How many bytes of the region hold content, from its first <see cref="FirstRead"/> bytes: a reader need not read the whole MiB.</summary>
    public static int UsedLength(ReadOnlySpan<byte> head)
    {
        if (head.Length < HeaderSize || !head[..Magic.Length].SequenceEqual(Magic)) return HeaderSize;
        if (head.Length < FirstRead) return FirstRead;
        return CopyOffset + ConfigCopySection.UsedLength(head[CopyOffset..], LeaseOffset - CopyOffset);
    }

    /// <summary>Reads a disk's first bytes (up to <see cref="Size"/>), the copy included. Never throws: garbage is NotInitialized or Corrupt.</summary>
    public static PrivateRegionReadResult Decode(ReadOnlySpan<byte> region)
    {
        var identity = DecodeIdentity(region);
        if (identity.Content is not { IsFree: false } content) return identity;
        var copy = region.Length > CopyOffset ? region[CopyOffset..] : [];
        ConfigCopySection.Decode(copy, content);
        return identity;
    }

    /// <summary>The identity alone (who the disk is, which group owns it, at which generation): what a scan needs.</summary>
    public static PrivateRegionReadResult DecodeIdentity(ReadOnlySpan<byte> region)
    {
        if (region.Length < Magic.Length || !region[..Magic.Length].SequenceEqual(Magic)) return PrivateRegionReadResult.Blank();
        if (region.Length < HeaderSize) return Damaged($"the region is {region.Length} bytes, shorter than its {HeaderSize}-byte header");
        var version = BinaryPrimitives.ReadUInt32LittleEndian(region[8..]);
        if (version != FormatVersion) return Damaged($"format version {version} is not supported; this version reads format {FormatVersion}");
        var bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(region[12..]);
        if (bodyLength > MaxBodyLength) return Damaged($"the body length field says {bodyLength} bytes; at most {MaxBodyLength} fit before the configuration copy");
        var end = HeaderSize + (int)bodyLength;
        if (region.Length < end + ChecksumSize) return Damaged($"only {region.Length} bytes were read; the content needs {end + ChecksumSize}");
        var stored = region.Slice(end, ChecksumSize);
        var computed = SHA256.HashData(region[..end]);
        if (!stored.SequenceEqual(computed))
            return Damaged($"checksum mismatch: stored {Convert.ToHexStringLower(stored)}, computed {Convert.ToHexStringLower(computed)}");
        return PrivateRegionBody.Decode(region[HeaderSize..end]);
    }

    private static PrivateRegionReadResult Damaged(string reason) => PrivateRegionReadResult.Damaged(reason);
}
