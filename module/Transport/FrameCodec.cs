using System.Buffers.Binary;

namespace VolumeManager.Transport;

/// <summary>
/// Frame = 4-byte big-endian payload length, payload, tag. A frame with a bad tag is consumed whole,
/// so the stream stays usable; a bad length or a truncated frame leaves it unusable and throws.
/// Callers serialise writes to one stream.
/// </summary>
public sealed class FrameCodec
{
    public const int DefaultMaxPayloadLength = 64 * 1024 * 1024;
    private const int HeaderLength = 4;

    private readonly IFrameAuthenticator authenticator;

    public FrameCodec(IFrameAuthenticator authenticator, int maxPayloadLength = DefaultMaxPayloadLength)
    {
        ArgumentNullException.ThrowIfNull(authenticator);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPayloadLength);
        this.authenticator = authenticator;
        MaxPayloadLength = maxPayloadLength;
    }

    public int MaxPayloadLength { get; }

    public async Task WriteFrameAsync(
        Stream stream, string sender, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > MaxPayloadLength)
        {
            throw new ArgumentException(
                $"The payload is {payload.Length} bytes; frames are limited to {MaxPayloadLength} bytes.",
                nameof(payload));
        }
        byte[] frame = Encode(sender, payload.Span);
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="InvalidDataException">The declared length exceeds <see cref="MaxPayloadLength"/>.</exception>
    /// <exception cref="EndOfStreamException">The stream ended inside a frame.</exception>
    public async Task<FrameReadResult> ReadFrameAsync(Stream stream, string sender, CancellationToken cancellationToken)
    {
        int? length = await ReadLengthAsync(stream, cancellationToken).ConfigureAwait(false);
        if (length is null)
        {
            return FrameReadResult.EndOfStream;
        }
        byte[] payload = new byte[length.Value];
        byte[] tag = new byte[authenticator.TagLength];
        await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        await stream.ReadExactlyAsync(tag, cancellationToken).ConfigureAwait(false);
        return authenticator.Verify(sender, payload, tag)
            ? FrameReadResult.Valid(payload)
            : FrameReadResult.BadTag(payload.Length);
    }

    private byte[] Encode(string sender, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[HeaderLength + payload.Length + authenticator.TagLength];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame.AsSpan(HeaderLength));
        authenticator.ComputeTag(sender, payload, frame.AsSpan(HeaderLength + payload.Length));
        return frame;
    }

    private async Task<int?> ReadLengthAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] header = new byte[HeaderLength];
        int read = await stream.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false, cancellationToken)
            .ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }
        if (read < HeaderLength)
        {
            throw new EndOfStreamException("The stream ended inside a frame header.");
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > (uint)MaxPayloadLength)
        {
            throw new InvalidDataException(
                $"A frame declared a payload of {length} bytes; the limit is {MaxPayloadLength} bytes.");
        }
        return (int)length;
    }
}
