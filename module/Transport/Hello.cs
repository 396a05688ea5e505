using System.Security.Cryptography;
using System.Text;

namespace VolumeManager.Transport;

/// <summary>
/// The handshake: the dialler's hello carries its challenge, the listener's welcome answers it and
/// carries a challenge of its own, the dialler's confirm answers that. Each names its sender and its
/// recipient and is tagged with the cluster key under the empty sender, so a recorded handshake
/// replayed later fails on the fresh challenge of the side it is replayed to.
/// </summary>
internal static class Hello
{
    public const string Sender = "";
    public const int MaxPayloadLength = 1024;
    public const int MaxNameLength = 255;
    public const int ChallengeLength = 16;

    private static ReadOnlySpan<byte> HelloMagic => "VMIC2-HELLO:"u8;
    private static ReadOnlySpan<byte> WelcomeMagic => "VMIC2-WELCOME:"u8;
    private static ReadOnlySpan<byte> ConfirmMagic => "VMIC2-CONFIRM:"u8;

    public static byte[] NewChallenge() => RandomNumberGenerator.GetBytes(ChallengeLength);

    public static byte[] EncodeHello(string from, string to, byte[] challenge) =>
        Encode(HelloMagic, from, to, challenge);

    public static byte[] EncodeWelcome(string from, string to, byte[] answer, byte[] challenge) =>
        Encode(WelcomeMagic, from, to, [.. answer, .. challenge]);

    public static byte[] EncodeConfirm(string from, string to, byte[] answer) =>
        Encode(ConfirmMagic, from, to, answer);

    public static HandshakeFrame? DecodeHello(byte[] payload) => Decode(HelloMagic, payload, ChallengeLength);

    public static HandshakeFrame? DecodeWelcome(byte[] payload) => Decode(WelcomeMagic, payload, 2 * ChallengeLength);

    public static HandshakeFrame? DecodeConfirm(byte[] payload) => Decode(ConfirmMagic, payload, ChallengeLength);

    public static void ValidateName(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, parameter);
        if (Encoding.UTF8.GetByteCount(name) > MaxNameLength)
        {
            throw new ArgumentException($"The node name '{name}' is longer than {MaxNameLength} bytes.", parameter);
        }
    }

    private static byte[] Encode(ReadOnlySpan<byte> magic, string from, string to, byte[] nonces)
    {
        var writer = new NameWriter();
        writer.Bytes(magic);
        writer.Name(from);
        writer.Name(to);
        writer.Bytes(nonces);
        return writer.ToArray();
    }

    private static HandshakeFrame? Decode(ReadOnlySpan<byte> magic, byte[] payload, int nonceLength)
    {
        if (!payload.AsSpan().StartsWith(magic))
        {
            return null;
        }
        var reader = new NameReader(payload, magic.Length);
        string? from = reader.Name();
        string? to = reader.Name();
        byte[] nonces = reader.Rest();
        if (from is null || to is null || from.Length == 0 || nonces.Length != nonceLength)
        {
            return null;
        }
        return new HandshakeFrame(from, to, nonces);
    }
}

/// <summary>A decoded handshake frame: who sent it, to whom, and its challenge bytes (answer first).</summary>
internal sealed record HandshakeFrame(string From, string To, byte[] Nonces)
{
    public byte[] Answer => Nonces[..Hello.ChallengeLength];

    public byte[] Challenge => Nonces[^Hello.ChallengeLength..];
}
