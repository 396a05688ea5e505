namespace VolumeManager.Engine.Model;

/// <summary>A node kernel's account of itself: resynchronisations, and each time a disk group's I/O was frozen for a change.</summary>
public sealed class KernelReport
{
    public string Node { get; set; } = "";
    public List<ResyncTask> Resyncs { get; set; } = [];
    public List<FreezeRecord> Freezes { get; set; } = [];
    /// <summary>The latest I/O errors of each plex's disks, oldest first.</summary>
    public List<PlexIoError> IoErrors { get; set; } = [];
}

/// <summary>
/// One I/O error a plex's disk returned to this node's kernel, and what the kernel did about it: a read served
/// from another active plex (<see cref="ServedFrom"/>), or the request failed.
/// </summary>
public sealed class PlexIoError
{
    public string DiskGroup { get; set; } = "";
    public string Volume { get; set; } = "";
    public string Plex { get; set; } = "";
    public string Disk { get; set; } = "";
    /// <summary>Read, Write, Flush or Discard.</summary>
    public string Operation { get; set; } = "";
    /// <summary>The volume offset of the request that failed.</summary>
    public long Offset { get; set; }
    public string Message { get; set; } = "";
    public string? ServedFrom { get; set; }
    public DateTimeOffset Time { get; set; }
}

/// <summary>
/// One freeze of a disk group's I/O for a transaction: closed at prepare once in-flight I/O drained, opened after
/// the commit or abort. <see cref="InFlightAtOpen"/> is the I/O in flight at the moment the gate opened again,
/// i.e. across the commit; the protocol promises zero.
/// </summary>
public sealed class FreezeRecord
{
    public string TransactionId { get; set; } = "";
    public string DiskGroup { get; set; } = "";
    public DateTimeOffset Closed { get; set; }
    public DateTimeOffset Opened { get; set; }
    public int InFlightAtOpen { get; set; }
    public double Milliseconds => (Opened - Closed).TotalMilliseconds;
}
