namespace VolumeManager.Cmdlets.Objects;

public sealed class VmDiskGroup
{
    public string Name { get; internal set; } = "";
    public Guid Id { get; internal set; }
    public bool Shared { get; internal set; }
    public string? Owner { get; internal set; }
    public string[] Disks { get; internal set; } = [];
    public string[] Volumes { get; internal set; } = [];
    public long Generation { get; internal set; }
    public long SizeBytes { get; internal set; }
    public long FreeBytes { get; internal set; }
    /// <summary>Global or Local: what an I/O error on a plex's disk does (Set-VmDiskGroup -DetachPolicy).</summary>
    public string DetachPolicy { get; internal set; } = "";
    /// <summary>The hot spares among <see cref="Disks"/>.</summary>
    public string[] Spares { get; internal set; } = [];
    /// <summary>The node whose configuration this object was read from.</summary>
    public string Node { get; internal set; } = "";
}
