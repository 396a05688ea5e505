using System.Text;

namespace VolumeManager.Transport;

/// <summary>
/// The handshake frames: the dialler's hello and the listener's welcome, each naming its sender.
/// Both are tagged with the empty sender; the name they carry is what the tag proves.
/// </summary>
internal static class Hello
{
    public const string Sender = "";
    public const int MaxPayloadLength = 1024;
    public const int MaxNameLength = 255;

    private static ReadOnlySpan<byte> HelloMagic => "VMIC1-HELLO:"u8;
    private static ReadOnlySpan<byte> WelcomeMagic => "VMIC1-WELCOME:"u8;

    public static byte[] EncodeHello(string name) => Encode(HelloMagic, name);

    public static byte[] EncodeWelcome(string name) => Encode(WelcomeMagic, name);

    public static string? DecodeHello(byte[] payload) => Decode(HelloMagic, payload);

    public static string? DecodeWelcome(byte[] payload) => Decode(WelcomeMagic, payload);

    public static void ValidateName(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, parameter);
        if (Encoding.UTF8.GetByteCount(name) > MaxNameLength)
        {
            throw new ArgumentException($"The node name '{name}' is longer than {MaxNameLength} bytes.", parameter);
        }
    }

    private static byte[] Encode(ReadOnlySpan<byte> magic, string name) =>
        [.. magic, .. Encoding.UTF8.GetBytes(name)];

    private static string? Decode(ReadOnlySpan<byte> magic, byte[] payload)
    {
        if (!payload.AsSpan().StartsWith(magic) || payload.Length == magic.Length)
        {
            return null;
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload, magic.Length, payload.Length - magic.Length);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
