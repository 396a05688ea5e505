using System.Buffers.Binary;
using System.Text;

namespace VolumeManager.Engine.Storage;

/// <summary>Reads fields off a byte span; each read fails (false) instead of running past the end.</summary>
internal ref struct RegionReader(ReadOnlySpan<byte> bytes)
{
    private readonly ReadOnlySpan<byte> bytes = bytes;

    public int Position { get; private set; }
    public readonly int Remaining => bytes.Length - Position;

    public bool Guid(out Guid value)
    {
        value = default;
        if (!Take(16, out var raw)) return false;
        value = new Guid(raw);
        return true;
    }

    public bool Int64(out long value)
    {
        value = 0;
        if (!Take(sizeof(long), out var raw)) return false;
        value = BinaryPrimitives.ReadInt64LittleEndian(raw);
        return true;
    }

    /// <summary>UTF-8 text after a little-endian length of <paramref name="lengthSize"/> bytes (2 or 4).</summary>
    public bool Text(int lengthSize, out string value)
    {
        value = "";
        if (!Take(lengthSize, out var raw)) return false;
        var length = lengthSize == sizeof(ushort) ? BinaryPrimitives.ReadUInt16LittleEndian(raw) : BinaryPrimitives.ReadUInt32LittleEndian(raw);
        if (length > (uint)Remaining || !Take((int)length, out var text)) return false;
        value = Encoding.UTF8.GetString(text);
        return true;
    }

    private bool Take(int count, out ReadOnlySpan<byte> taken)
    {
        taken = default;
        if (count > Remaining) return false;
        taken = bytes.Slice(Position, count);
        Position += count;
        return true;
    }
}
