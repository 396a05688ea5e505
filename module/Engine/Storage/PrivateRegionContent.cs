using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Storage;

/// <summary>What a disk's private region records: the disk's identity, its owner, and a copy of the owner's configuration.</summary>
public sealed class PrivateRegionContent
{
    public Guid DiskId { get; set; }
    public string DiskName { get; set; } = "";
    /// <summary>The owning disk group's name; empty when the disk is free.</summary>
    public string DiskGroup { get; set; } = "";
    /// <summary>The owning disk group's id; <see cref="Guid.Empty"/> when the disk is free.</summary>
    public Guid DiskGroupId { get; set; }
    /// <summary>The configuration generation the copy was written at.</summary>
    public long Generation { get; set; }
    /// <summary>The owning disk group as configured, enough to import it from its disks; null when free.</summary>
    public DiskGroup? ConfigCopy { get; set; }
    /// <summary>Why an owned disk's copy could not be read (damaged, missing); null when it was, or when only the identity was read.</summary>
    public string? CopyProblem { get; set; }

    public bool IsFree => DiskGroupId == Guid.Empty;
}
