using System.Buffers.Binary;

namespace VolumeManager.Transport;

/// <summary>
/// What a data frame's tag covers besides the payload: sender, recipient, the connection (both
/// sides' challenges) and the frame's sequence number on it. A frame lifted from another connection,
/// addressed to another node, or played again on its own connection fails one of these.
/// </summary>
internal static class FrameEnvelope
{
    public const int ConnectionIdLength = 2 * Hello.ChallengeLength;
    public const int MaxOverhead = (2 * (1 + Hello.MaxNameLength)) + ConnectionIdLength + sizeof(ulong);

    public static byte[] Seal(string from, string to, byte[] connection, ulong sequence, ReadOnlySpan<byte> payload)
    {
        var writer = new NameWriter();
        writer.Name(from);
        writer.Name(to);
        writer.Bytes(connection);
        Span<byte> number = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(number, sequence);
        writer.Bytes(number);
        writer.Bytes(payload);
        return writer.ToArray();
    }

    /// <returns>Null when the frame is too short or its names are not UTF-8.</returns>
    public static SealedFrame? Open(byte[] frame)
    {
        var reader = new NameReader(frame, 0);
        string? from = reader.Name();
        string? to = reader.Name();
        byte[]? connection = reader.Bytes(ConnectionIdLength);
        byte[]? number = reader.Bytes(sizeof(ulong));
        if (from is null || to is null || connection is null || number is null)
        {
            return null;
        }
        return new SealedFrame(from, to, connection, BinaryPrimitives.ReadUInt64BigEndian(number), reader.Rest());
    }
}

/// <summary>Why a frame was dropped; <see cref="Kind"/> groups like refusals for log throttling.</summary>
internal sealed record FrameRefusal(string Kind, string Reason);

internal sealed record SealedFrame(string From, string To, byte[] Connection, ulong Sequence, byte[] Payload);

/// <summary>
/// One inbound connection's acceptance rule: only frames of this connection, from its peer, to this
/// node, each numbered above the last one accepted (so a replayed or reordered frame is refused).
/// </summary>
internal sealed class InboundSequence(string peer, string self, byte[] connection)
{
    private ulong last;

    /// <returns>Null when the frame is accepted, else why it was refused.</returns>
    public FrameRefusal? Accept(SealedFrame frame)
    {
        if (!frame.Connection.AsSpan().SequenceEqual(connection))
        {
            return new("connection", "it belongs to another connection (replayed from an earlier one)");
        }
        if (frame.From != peer)
        {
            return new("sender", $"it claims to be from '{frame.From}' on the connection of '{peer}'");
        }
        if (frame.To != self)
        {
            return new("recipient", $"it is addressed to '{frame.To}', not to this node (redirected)");
        }
        if (frame.Sequence <= last)
        {
            return new("sequence",
                $"its sequence number {frame.Sequence} is not above {last}, the last accepted (replayed or reordered)");
        }
        last = frame.Sequence;
        return null;
    }
}
