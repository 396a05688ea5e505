namespace VolumeManager.Cmdlets.Objects;

/// <summary>One side of a serial split brain: the disks whose configuration copies are at the same serial.</summary>
public sealed class VmCopySide
{
    public string DiskGroup { get; internal set; } = "";
    /// <summary>The generation the side's copies were written at.</summary>
    public long Generation { get; internal set; }
    /// <summary>The line of configurations the side's copies are on (a new one per import).</summary>
    public Guid Lineage { get; internal set; }
    public string[] Disks { get; internal set; } = [];

    public override string ToString() => $"{string.Join(", ", Disks)} at generation {Generation}";
}

/// <summary>The exception of a <c>SerialSplitBrain</c> error: its <see cref="Sides"/> say which disks hold which side.</summary>
public sealed class SerialSplitBrainException(string message, VmCopySide[] sides) : InvalidOperationException(message)
{
    public VmCopySide[] Sides { get; } = sides;
}
