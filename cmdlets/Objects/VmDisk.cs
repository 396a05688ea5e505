namespace VolumeManager.Cmdlets.Objects;

public sealed class VmDisk
{
    public string Name { get; internal set; } = "";
    public string Path { get; internal set; } = "";
    public long Size { get; internal set; }
    public string? DiskGroup { get; internal set; }
    /// <summary>Free, InUse, Deported; or Failing (a node's kernel got I/O errors from it) or Failed (a node could not open it).</summary>
    public string State { get; internal set; } = "";
    /// <summary>A hot spare of its disk group: kept free for relocation (Set-VmDisk -Spare).</summary>
    public bool Spare { get; internal set; }
    public string[] AccessibleFrom { get; internal set; } = [];
    public Guid Id { get; internal set; }
}
