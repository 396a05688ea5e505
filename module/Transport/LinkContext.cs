namespace VolumeManager.Transport;

/// <summary>What every connection of one <see cref="Interconnect"/> shares.</summary>
internal sealed record LinkContext(
    string SelfName,
    FrameCodec Codec,
    FrameCodec HelloCodec,
    InterconnectOptions Options,
    Action<string> Log,
    Action<InboundFrame> Emit)
{
    public LogThrottle Refusals { get; } = new(TimeSpan.FromMinutes(1));
}
