namespace VolumeManager.Cmdlets.Objects;

/// <summary>A configuration of a disk group a node keeps as a backup, for Restore-VmDiskGroup.</summary>
public sealed class VmDiskGroupBackup
{
    public string DiskGroup { get; internal set; } = "";
    public Guid DiskGroupId { get; internal set; }
    /// <summary>The generation the configuration was committed at.</summary>
    public long Generation { get; internal set; }
    /// <summary>The node that keeps this backup (every node keeps its own).</summary>
    public string Node { get; internal set; } = "";
    public DateTimeOffset Written { get; internal set; }
    public long SizeBytes { get; internal set; }
    public string[] Disks { get; internal set; } = [];
    public string[] Volumes { get; internal set; } = [];
    /// <summary>SHA-256 of the disks and volumes without the generation: equal for a restored group and its backup.</summary>
    public string ContentHash { get; internal set; } = "";

    public override string ToString() => $"{DiskGroup}@{Generation}";
}
