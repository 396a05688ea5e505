using System.Text;

namespace VolumeManager.Transport;

/// <summary>Builds frame headers: raw bytes, and node names as one length byte then UTF-8.</summary>
internal sealed class NameWriter
{
    private readonly MemoryStream buffer = new();

    public void Bytes(ReadOnlySpan<byte> bytes) => buffer.Write(bytes);

    public void Name(string name)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(name);
        if (utf8.Length > Hello.MaxNameLength)
        {
            throw new ArgumentException($"The node name '{name}' is longer than {Hello.MaxNameLength} bytes.", nameof(name));
        }
        buffer.WriteByte((byte)utf8.Length);
        buffer.Write(utf8);
    }

    public byte[] ToArray() => buffer.ToArray();
}

/// <summary>Reads what <see cref="NameWriter"/> wrote; null on anything malformed, never an exception.</summary>
internal sealed class NameReader(byte[] data, int offset)
{
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);
    private int position = offset;

    public string? Name()
    {
        if (position >= data.Length || position + 1 + data[position] > data.Length)
        {
            return null;
        }
        int length = data[position];
        try
        {
            string name = Strict.GetString(data, position + 1, length);
            position += 1 + length;
            return name;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    public byte[]? Bytes(int length)
    {
        if (position + length > data.Length)
        {
            return null;
        }
        byte[] bytes = data[position..(position + length)];
        position += length;
        return bytes;
    }

    public byte[] Rest() => data[position..];
}
