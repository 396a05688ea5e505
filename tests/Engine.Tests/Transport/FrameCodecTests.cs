using System.Security.Cryptography;
using VolumeManager.Transport;

namespace VolumeManager.Engine.Tests.Transport;

public sealed class FrameCodecTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly FrameCodec Codec = new(new HmacFrameAuthenticator(Key));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(70_000)]
    public async Task A_frame_round_trips(int length)
    {
        byte[] payload = RandomNumberGenerator.GetBytes(length);
        using var stream = new MemoryStream();
        await Codec.WriteFrameAsync(stream, "n1", payload, default);
        stream.Position = 0;

        FrameReadResult read = await Codec.ReadFrameAsync(stream, "n1", default);

        Assert.Equal(FrameStatus.Valid, read.Status);
        Assert.Equal(payload, read.Payload);
        Assert.Equal(4 + length + 32, stream.Length);
    }

    [Fact]
    public async Task A_tampered_payload_is_rejected_and_the_next_frame_still_reads()
    {
        using var stream = new MemoryStream();
        await Codec.WriteFrameAsync(stream, "n1", "prepare"u8.ToArray(), default);
        await Codec.WriteFrameAsync(stream, "n1", "commit"u8.ToArray(), default);
        stream.GetBuffer()[5] ^= 0x01;
        stream.Position = 0;

        FrameReadResult tampered = await Codec.ReadFrameAsync(stream, "n1", default);
        FrameReadResult next = await Codec.ReadFrameAsync(stream, "n1", default);

        Assert.Equal(FrameStatus.BadTag, tampered.Status);
        Assert.Empty(tampered.Payload);
        Assert.Equal(7, tampered.Length);
        Assert.Equal(FrameStatus.Valid, next.Status);
        Assert.Equal("commit"u8.ToArray(), next.Payload);
    }

    [Fact]
    public async Task A_frame_tagged_with_another_key_is_rejected()
    {
        var other = new FrameCodec(new HmacFrameAuthenticator(RandomNumberGenerator.GetBytes(32)));
        using var stream = new MemoryStream();
        await other.WriteFrameAsync(stream, "n1", "prepare"u8.ToArray(), default);
        stream.Position = 0;

        FrameReadResult read = await Codec.ReadFrameAsync(stream, "n1", default);

        Assert.Equal(FrameStatus.BadTag, read.Status);
    }

    [Fact]
    public async Task A_frame_attributed_to_another_sender_is_rejected()
    {
        using var stream = new MemoryStream();
        await Codec.WriteFrameAsync(stream, "n1", "prepare"u8.ToArray(), default);
        stream.Position = 0;

        FrameReadResult read = await Codec.ReadFrameAsync(stream, "n2", default);

        Assert.Equal(FrameStatus.BadTag, read.Status);
    }

    [Fact]
    public async Task An_oversize_length_is_rejected_naming_the_length()
    {
        using var stream = new MemoryStream([0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3]);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Codec.ReadFrameAsync(stream, "n1", default));

        Assert.Contains("2147483647", error.Message);
        Assert.Contains(FrameCodec.DefaultMaxPayloadLength.ToString(), error.Message);
    }

    [Fact]
    public async Task A_payload_over_the_limit_is_not_written()
    {
        var small = new FrameCodec(new HmacFrameAuthenticator(Key), maxPayloadLength: 16);
        using var stream = new MemoryStream();

        await Assert.ThrowsAsync<ArgumentException>(() => small.WriteFrameAsync(stream, "n1", new byte[17], default));

        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public async Task The_end_of_the_stream_between_frames_is_reported_and_inside_a_frame_throws()
    {
        using var full = new MemoryStream();
        await Codec.WriteFrameAsync(full, "n1", "prepare"u8.ToArray(), default);
        using var empty = new MemoryStream();
        using var truncated = new MemoryStream(full.ToArray()[..^1]);

        FrameReadResult end = await Codec.ReadFrameAsync(empty, "n1", default);

        Assert.Equal(FrameStatus.EndOfStream, end.Status);
        await Assert.ThrowsAsync<EndOfStreamException>(() => Codec.ReadFrameAsync(truncated, "n1", default));
    }

    [Fact]
    public void A_short_key_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new HmacFrameAuthenticator(new byte[8]));
    }
}
