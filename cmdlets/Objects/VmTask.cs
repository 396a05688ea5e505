namespace VolumeManager.Cmdlets.Objects;

/// <summary>A background copy of a node's kernel: a stale plex resynchronised from an active one, a relocated plex, or a recovery of a node's dirty regions.</summary>
public sealed class VmTask
{
    public string Id { get; internal set; } = "";
    /// <summary>Resync (a plex added by Add-VmMirror), Relocation (a plex moved off a failed disk), Recovery (the regions a node that went away was writing) or Repair (a range a failed write left different, detach policy Local).</summary>
    public string Kind { get; internal set; } = "Resync";
    /// <summary>The same as <see cref="Kind"/> (kept for scripts written against the first VmTask).</summary>
    public string Type => Kind;
    /// <summary>The node running the copy (the master for a shared group, the owner for a private one).</summary>
    public string Node { get; internal set; } = "";
    public string DiskGroup { get; internal set; } = "";
    public string Volume { get; internal set; } = "";
    public string Plex { get; internal set; } = "";
    public string Source { get; internal set; } = "";
    /// <summary>For a recovery: the node that went away with writes in flight.</summary>
    public string? ForNode { get; internal set; }
    /// <summary>Running, Waiting, Suspended, Stopped, Completed, Cancelled or Failed.</summary>
    public string State { get; internal set; } = "";
    public int PercentComplete { get; internal set; }
    public long DoneBytes { get; internal set; }
    public long TotalBytes { get; internal set; }
    /// <summary>Where the copy started: above zero when it resumed from the checkpoint on disk after a restart or takeover.</summary>
    public long ResumedFrom { get; internal set; }
    /// <summary>Regions to copy and copied: a recovery's dirty regions, or the volume's 1 MiB chunks.</summary>
    public long RegionsTotal { get; internal set; }
    public long RegionsCopied { get; internal set; }
    /// <summary>The throttle in MB (1,048,576 bytes) per second; 0 when unlimited.</summary>
    public double MaxRate { get; internal set; }
    public string? Error { get; internal set; }
    public DateTimeOffset Started { get; internal set; }
    public DateTimeOffset Updated { get; internal set; }

    public override string ToString() => Id;
}
