namespace VolumeManager.Engine.DesiredState;

public enum DriftKind
{
    DiskGroupMissing, DiskGroupNotDeclared, SharedDiffers, OwnerDiffers, NodeNotFound, DiskNotFound, DiskInOtherGroup,
    DiskMissing, DiskNotDeclared, VolumeMissing, VolumeNotDeclared, VolumeTooSmall, VolumeTooLarge,
    MirrorsMissing, MirrorsNotDeclared,
}

/// <summary>What Invoke-VmConfiguration does about a drift.</summary>
public enum DriftResolution
{
    /// <summary>Invoke applies a change for it.</summary>
    Apply,
    /// <summary>Only Invoke -Prune changes it: it removes or shrinks what the file omits.</summary>
    Prune,
    /// <summary>No change can reach the file's state (a group's scope or owner differs, an unknown node or disk); Invoke refuses the whole plan.</summary>
    Conflict,
}

/// <summary>One difference between the file and the live cluster.</summary>
public sealed record Drift(DriftKind Kind, string DiskGroup, string? Volume, string Expected, string Actual, DriftResolution Resolution, string Message);
