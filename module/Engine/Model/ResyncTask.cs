namespace VolumeManager.Engine.Model;

/// <summary>Running; Waiting for another node (this one stopped coordinating the group); Completed (the plex is Active);
/// Cancelled (the plex or its volume was removed first); Failed (the error says why).</summary>
public enum ResyncState { Running, Waiting, Completed, Cancelled, Failed }

/// <summary>A stale plex being copied from an active one, as the node running the copy reports it.</summary>
public sealed class ResyncTask
{
    public string Id { get; set; } = "";
    public string Node { get; set; } = "";
    public string DiskGroup { get; set; } = "";
    public string Volume { get; set; } = "";
    public string Plex { get; set; } = "";
    public string Source { get; set; } = "";
    public long DoneBytes { get; set; }
    public long TotalBytes { get; set; }
    /// <summary>Where the copy started: above zero when it resumed from a checkpoint after a restart.</summary>
    public long ResumedFrom { get; set; }
    public ResyncState State { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset Started { get; set; }
    public DateTimeOffset Updated { get; set; }
}
