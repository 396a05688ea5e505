namespace VolumeManager.Engine.Model;

/// <summary>Running; Waiting for another node (this one stopped coordinating the group); Suspended by Suspend-VmTask;
/// Stopped by Stop-VmTask (the plex stays Stale, nothing copies it until Resume-VmTask); Completed (the plex is Active,
/// or every dirty region is copied); Cancelled (the plex or its volume was removed first); Failed (the error says why).</summary>
public enum ResyncState { Running, Waiting, Completed, Cancelled, Failed, Suspended, Stopped }

/// <summary>Why a copy runs: a Stale plex (added by Add-VmMirror); a plex moved to other disks (relocation: Stale
/// too, copied the same way); a node's dirty regions after it went away with writes in flight (dirty region log
/// recovery, or a whole-volume recovery for a mirror without a log); the range a failed write left different between
/// the plexes (detach policy Local), copied for the node that saw the failure by one that reaches every plex (repair).</summary>
public enum TaskKind { Resync, Relocation, Recovery, Repair }

/// <summary>A copy between plexes, as the node running it reports it.</summary>
public sealed class ResyncTask
{
    public string Id { get; set; } = "";
    public TaskKind Kind { get; set; }
    public string Node { get; set; } = "";
    public string DiskGroup { get; set; } = "";
    public string Volume { get; set; } = "";
    /// <summary>The plex written (a Stale one); for a recovery, every plex but the source.</summary>
    public string Plex { get; set; } = "";
    public string Source { get; set; } = "";
    /// <summary>For a recovery: the node whose dirty regions (or, without a log, whose whole volume) are copied.</summary>
    public string? ForNode { get; set; }
    public long DoneBytes { get; set; }
    public long TotalBytes { get; set; }
    /// <summary>Where the copy started: above zero when it resumed from a checkpoint after a restart.</summary>
    public long ResumedFrom { get; set; }
    /// <summary>Regions to copy (a recovery from a dirty region log: the dirty ones; else the volume's 1 MiB chunks), and how many are copied.</summary>
    public long RegionsTotal { get; set; }
    public long RegionsCopied { get; set; }
    /// <summary>The throttle set by Set-VmTask -MaxRate, in bytes per second; 0 copies as fast as the disks go.</summary>
    public long MaxRateBytes { get; set; }
    public ResyncState State { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset Started { get; set; }
    public DateTimeOffset Updated { get; set; }

    public ResyncTask Clone() => (ResyncTask)MemberwiseClone();
}
