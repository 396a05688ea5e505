namespace VolumeManager.Engine.Model;

/// <summary>A node kernel's account of itself: resynchronisations, and each time a disk group's I/O was frozen for a change.</summary>
public sealed class KernelReport
{
    public string Node { get; set; } = "";
    public List<ResyncTask> Resyncs { get; set; } = [];
    public List<FreezeRecord> Freezes { get; set; } = [];
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
