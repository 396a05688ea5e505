using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VolumeManager.Transport;

/// <summary>HMAC-SHA256 over (sender name, length-prefixed; payload), keyed with the cluster key.</summary>
public sealed class HmacFrameAuthenticator : IFrameAuthenticator
{
    public const int MinimumKeyLength = 16;

    private readonly byte[] key;

    public HmacFrameAuthenticator(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < MinimumKeyLength)
        {
            throw new ArgumentException(
                $"The key is {key.Length} bytes; at least {MinimumKeyLength} are required.", nameof(key));
        }
        this.key = (byte[])key.Clone();
    }

    public int TagLength => HMACSHA256.HashSizeInBytes;

    public void ComputeTag(string sender, ReadOnlySpan<byte> payload, Span<byte> tag)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        AppendSender(hmac, sender);
        hmac.AppendData(payload);
        hmac.GetHashAndReset(tag);
    }

    public bool Verify(string sender, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> tag)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeTag(sender, payload, expected);
        return CryptographicOperations.FixedTimeEquals(expected, tag);
    }

    private static void AppendSender(IncrementalHash hmac, string sender)
    {
        byte[] name = Encoding.UTF8.GetBytes(sender);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, name.Length);
        hmac.AppendData(length);
        hmac.AppendData(name);
    }
}
