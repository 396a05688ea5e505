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
    /// <summary>The timeline as this node saw it: Proposed, Checking, Preparing, Prepared, Decided, Committed or Aborted, each with its node and time.</summary>
    public VmTransactionPhase[] Phases { get; internal set; } = [];
}

/// <summary>One phase of a transaction on one node, with the time since the transaction started.</summary>
public sealed class VmTransactionPhase
{
    public string Phase { get; internal set; } = "";
    public string Node { get; internal set; } = "";
    public DateTimeOffset At { get; internal set; }
    public TimeSpan Offset { get; internal set; }

    public override string ToString() => $"{Phase}@{Node}+{(int)Offset.TotalMilliseconds}ms";
}
