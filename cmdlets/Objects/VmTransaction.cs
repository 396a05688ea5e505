namespace VolumeManager.Cmdlets.Objects;

public sealed class VmTransaction
{
    public string Id { get; internal set; } = "";
    public string[] Operations { get; internal set; } = [];
    public string Initiator { get; internal set; } = "";
    public string Coordinator { get; internal set; } = "";
    public string State { get; internal set; } = "";
    public long Generation { get; internal set; }
    public string[] FailedNodes { get; internal set; } = [];
    public string? ErrorId { get; internal set; }
    public string? Error { get; internal set; }
    public DateTimeOffset Started { get; internal set; }
    public TimeSpan Duration { get; internal set; }
    public double FreezeMilliseconds { get; internal set; }
    public string Node { get; internal set; } = "";
}
