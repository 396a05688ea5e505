using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace VolumeManager.Engine.Storage;

/// <summary>The checksummed identity of a private region: the disk, its owning group and the generation.</summary>
internal static class PrivateRegionBody
{
    public static byte[] Encode(PrivateRegionContent content)
    {
        var body = new ArrayBufferWriter<byte>();
        Write(body, content.DiskId.ToByteArray());
        WriteText(body, content.DiskName, sizeof(ushort));
        WriteText(body, content.DiskGroup, sizeof(ushort));
        Write(body, content.DiskGroupId.ToByteArray());
        var generation = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(generation, content.Generation);
        Write(body, generation);
        return body.WrittenSpan.ToArray();
    }

    public static PrivateRegionReadResult Decode(ReadOnlySpan<byte> body)
    {
        var reader = new RegionReader(body);
        if (!reader.Guid(out var diskId) || !reader.Text(sizeof(ushort), out var diskName) || !reader.Text(sizeof(ushort), out var group)
            || !reader.Guid(out var groupId) || !reader.Int64(out var generation))
            return PrivateRegionReadResult.Damaged($"the body ends at byte {reader.Position} in the middle of a field");
        if (reader.Remaining > 0)
            return PrivateRegionReadResult.Damaged($"{reader.Remaining} unexpected bytes follow the identity");
        var content = new PrivateRegionContent
        {
            DiskId = diskId, DiskName = diskName, DiskGroup = group, DiskGroupId = groupId, Generation = generation,
        };
        return PrivateRegionReadResult.Read(content);
    }

    private static void Write(ArrayBufferWriter<byte> body, ReadOnlySpan<byte> bytes) => body.Write(bytes);

    private static void WriteText(ArrayBufferWriter<byte> body, string text, int lengthSize)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var length = new byte[lengthSize];
        if (lengthSize == sizeof(ushort))
        {
            if (bytes.Length > ushort.MaxValue) throw new ArgumentException($"'{text[..40]}...' is too long for a private region field.");
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)bytes.Length);
        }
        else BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)bytes.Length);
        Write(body, length);
        Write(body, bytes);
    }
}
