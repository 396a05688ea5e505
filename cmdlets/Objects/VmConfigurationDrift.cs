namespace VolumeManager.Cmdlets.Objects;

/// <summary>One difference between a desired-state file and the live cluster, and what Invoke-VmConfiguration does about it.</summary>
public sealed class VmConfigurationDrift
{
    /// <summary>DiskGroupMissing, DiskGroupNotDeclared, SharedDiffers, OwnerDiffers, NodeNotFound, DiskNotFound, DiskInOtherGroup, DiskMissing, DiskNotDeclared, VolumeMissing, VolumeNotDeclared, VolumeTooSmall, VolumeTooLarge, MirrorsMissing, MirrorsNotDeclared.</summary>
    public string Kind { get; internal set; } = "";
    public string DiskGroup { get; internal set; } = "";
    public string? Volume { get; internal set; }
    /// <summary>What the file says.</summary>
    public string Expected { get; internal set; } = "";
    /// <summary>What the cluster has.</summary>
    public string Actual { get; internal set; } = "";
    /// <summary>Apply: Invoke-VmConfiguration changes it. Prune: only Invoke-VmConfiguration -Prune does (it removes or shrinks). Conflict: no change can; Invoke refuses the plan.</summary>
    public string Resolution { get; internal set; } = "";
    public string Message { get; internal set; } = "";

    public override string ToString() => Message;
}
