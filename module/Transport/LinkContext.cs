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
    /// <summary>The error id a refused replay is logged under, so an administrator can find every one.</summary>
    public const string ReplayRefused = "ReplayRefused";

    private long replaysRefused;

    public LogThrottle Refusals { get; } = new(TimeSpan.FromMinutes(1));

    /// <summary>Frames and handshakes refused as replayed, reordered or redirected since the interconnect started.</summary>
    public long ReplaysRefused => Interlocked.Read(ref replaysRefused);

    public void CountReplay() => Interlocked.Increment(ref replaysRefused);

    /// <summary>A replay refusal is counted; the log line (throttled by the caller) names it ReplayRefused.</summary>
    public static bool IsReplay(FrameRefusal refusal) => refusal.Kind is "connection" or "recipient" or "sequence";
}
