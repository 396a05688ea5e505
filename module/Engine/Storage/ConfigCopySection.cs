using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// The owning disk group's configuration copy, at <see cref="PrivateRegion.CopyOffset"/>:
/// <code>
/// 0     8   magic "VMCOPY01"
/// 8     4   stored length L (uint32): the deflated YAML
/// 12    4   YAML length in bytes (uint32)
/// 16    8   generation the copy was written at (int64)
/// 24    16  disk group id
/// 40    L   the group in <see cref="DatabaseYaml.WriteDiskGroup"/> form, deflated
/// 40+L  32  SHA-256 of bytes 0 .. 40+L
/// </code>
/// A free disk has zeros here, so an old copy never outlives its group.
/// </summary>
public static class ConfigCopySection
{
    public const int HeaderSize = 40;
    private const int ChecksumSize = 32;
    private static ReadOnlySpan<byte> Magic => "VMCOPY01"u8;

    public static byte[] Encode(PrivateRegionContent content, int room)
    {
        if (content.ConfigCopy is not { } group) return new byte[HeaderSize];
        var text = Encoding.UTF8.GetBytes(DatabaseYaml.WriteDiskGroup(group));
        // Fast compression on every commit; the thorough kind only for a group too large to fit otherwise.
        var stored = Deflate(text, CompressionLevel.Fastest);
        if (HeaderSize + stored.Length + ChecksumSize > room) stored = Deflate(text, CompressionLevel.Optimal);
        var section = new byte[HeaderSize + stored.Length + ChecksumSize];
        if (section.Length > room)
            throw new ArgumentException($"The configuration copy of disk group '{group.Name}' on disk '{content.DiskName}' needs {section.Length} bytes compressed; at most {room} fit in the private region.", nameof(content));
        Magic.CopyTo(section);
        BinaryPrimitives.WriteUInt32LittleEndian(section.AsSpan(8), (uint)stored.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(section.AsSpan(12), (uint)text.Length);
        BinaryPrimitives.WriteInt64LittleEndian(section.AsSpan(16), content.Generation);
        content.DiskGroupId.TryWriteBytes(section.AsSpan(24));
        stored.CopyTo(section.AsSpan(HeaderSize));
        SHA256.HashData(section.AsSpan(0, HeaderSize + stored.Length), section.AsSpan(HeaderSize + stored.Length));
        return section;
    }

    public static int UsedLength(ReadOnlySpan<byte> head, int room)
    {
        if (head.Length < HeaderSize || !head[..Magic.Length].SequenceEqual(Magic)) return HeaderSize;
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
        return stored > (uint)(room - HeaderSize - ChecksumSize) ? room : HeaderSize + (int)stored + ChecksumSize;
    }

    /// <summary>Sets the content's copy, or says what is wrong with it (<see cref="PrivateRegionContent.CopyProblem"/>).</summary>
    public static void Decode(ReadOnlySpan<byte> section, PrivateRegionContent content)
    {
        content.CopyProblem = Problem(section, content, out var group);
        content.ConfigCopy = group;
    }

    private static string? Problem(ReadOnlySpan<byte> section, PrivateRegionContent content, out Model.DiskGroup? group)
    {
        group = null;
        if (section.Length < HeaderSize || !section[..Magic.Length].SequenceEqual(Magic)) return "there is no configuration copy";
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(section[8..]);
        if (stored > (uint)(section.Length - HeaderSize - ChecksumSize)) return $"the copy's length field says {stored} bytes; only {section.Length - HeaderSize - ChecksumSize} were read";
        var end = HeaderSize + (int)stored;
        var computed = SHA256.HashData(section[..end]);
        if (!section.Slice(end, ChecksumSize).SequenceEqual(computed))
            return $"the configuration copy fails its checksum: stored {Convert.ToHexStringLower(section.Slice(end, ChecksumSize))}, computed {Convert.ToHexStringLower(computed)}";
        var generation = BinaryPrimitives.ReadInt64LittleEndian(section[16..]);
        var groupId = new Guid(section.Slice(24, 16));
        if (generation != content.Generation || groupId != content.DiskGroupId)
            return $"the copy is of group {groupId} at generation {generation}, but the disk's identity says {content.DiskGroupId} at {content.Generation}";
        try
        {
            var text = Inflate(section[HeaderSize..end], BinaryPrimitives.ReadUInt32LittleEndian(section[12..]));
            group = DatabaseYaml.ReadDiskGroup(text, $"the configuration copy on disk '{content.DiskName}'");
        }
        catch (Exception e) when (e is ConfigurationFormatException or InvalidDataException)
        {
            return e.Message;
        }
        return group.Id == content.DiskGroupId ? null
            : $"the configuration copy is of disk group '{group.Name}' ({group.Id}), but the disk belongs to '{content.DiskGroup}' ({content.DiskGroupId})";
    }

    private static byte[] Deflate(byte[] text, CompressionLevel level)
    {
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, level, leaveOpen: true)) deflate.Write(text);
        return buffer.ToArray();
    }

    private static string Inflate(ReadOnlySpan<byte> stored, uint length)
    {
        if (length > 64 * 1024 * 1024) throw new InvalidDataException($"the copy claims {length} bytes of text; at most 64 MiB are accepted");
        using var deflate = new DeflateStream(new MemoryStream(stored.ToArray()), CompressionMode.Decompress);
        var text = new byte[length];
        deflate.ReadExactly(text);
        return Encoding.UTF8.GetString(text);
    }
}
