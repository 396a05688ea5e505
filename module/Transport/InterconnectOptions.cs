namespace VolumeManager.Transport;

public sealed record InterconnectOptions
{
    public static InterconnectOptions Default { get; } = new();

    /// <summary>Frames queued per peer; <see cref="Interconnect.Send"/> drops beyond this.</summary>
    public int MaxQueuedFrames { get; init; } = 4096;

    public int MaxPayloadLength { get; init; } = FrameCodec.DefaultMaxPayloadLength;

    /// <summary>Bounds connect plus hello/welcome, on both sides.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A peer that stops reading for this long is treated as disconnected.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A connection whose path stays dead this long (no acknowledgement, no keepalive answer) is ended and re-established.</summary>
    public TimeSpan DeadLinkTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReconnectDelayMin { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan ReconnectDelayMax { get; init; } = TimeSpan.FromSeconds(2);
}
