namespace VolumeManager.Cmdlets.Objects;

/// <summary>A background task of a node's kernel: a plex being resynchronised from an active one.</summary>
public sealed class VmTask
{
    public string Id { get; internal set; } = "";
    public string Type { get; internal set; } = "Resync";
    /// <summary>The node running the copy (the master for a shared group, the owner for a private one).</summary>
    public string Node { get; internal set; } = "";
    public string DiskGroup { get; internal set; } = "";
    public string Volume { get; internal set; } = "";
    public string Plex { get; internal set; } = "";
    public string Source { get; internal set; } = "";
    /// <summary>Running, Waiting, Completed, Cancelled or Failed.</summary>
    public string State { get; internal set; } = "";
    public int PercentComplete { get; internal set; }
    public long DoneBytes { get; internal set; }
    public long TotalBytes { get; internal set; }
    /// <summary>Where the copy started: above zero when it resumed from the checkpoint on disk after a restart or takeover.</summary>
    public long ResumedFrom { get; internal set; }
    public string? Error { get; internal set; }
    public DateTimeOffset Started { get; internal set; }
    public DateTimeOffset Updated { get; internal set; }

    public override string ToString() => Id;
}
