namespace VolumeManager.Cmdlets.Objects;

/// <summary>One full copy (mirror) of a volume, made of subdisks laid end to end.</summary>
public sealed class VmPlex
{
    public string DiskGroup { get; internal set; } = "";
    public string Volume { get; internal set; } = "";
    public string Name { get; internal set; } = "";
    /// <summary>Active (holds current data), Stale (written, not read from, until resynchronised) or Detached (a disk under it failed).</summary>
    public string State { get; internal set; } = "";
    /// <summary>For a Detached plex: the node whose kernel saw the error, the disk and the error.</summary>
    public string? DetachedBy { get; internal set; }
    public string? FailedDisk { get; internal set; }
    public string? DetachReason { get; internal set; }
    public long Size { get; internal set; }
    public VmSubdisk[] Subdisks { get; internal set; } = [];
    /// <summary>The disks the plex has subdisks on, in name order.</summary>
    public string[] Disks { get; internal set; } = [];
    /// <summary>The node whose configuration this object was read from.</summary>
    public string Node { get; internal set; } = "";

    public override string ToString() => Name;
}

/// <summary>A contiguous extent of one disk's public region.</summary>
public sealed class VmSubdisk
{
    public string Name { get; internal set; } = "";
    public string Disk { get; internal set; } = "";
    /// <summary>Bytes from the start of the disk's public region.</summary>
    public long Offset { get; internal set; }
    public long Length { get; internal set; }
    /// <summary>The disk the subdisk was relocated from after a failure; empty when it was laid out where it is.</summary>
    public string? RelocatedFrom { get; internal set; }

    public override string ToString() => $"{Name} ({Disk} @{Offset}+{Length}{(RelocatedFrom is null ? "" : $", from {RelocatedFrom}")})";
}
