namespace VolumeManager.Cmdlets.Objects;

public sealed class VmDisk
{
    public string Name { get; internal set; } = "";
    public string Path { get; internal set; } = "";
    public long Size { get; internal set; }
    public string? DiskGroup { get; internal set; }
    public string State { get; internal set; } = "";
    public string[] AccessibleFrom { get; internal set; } = [];
    public Guid Id { get; internal set; }
}
