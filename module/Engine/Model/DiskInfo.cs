namespace VolumeManager.Engine.Model;

/// <summary>A disk as a node sees it: where it is and what its private region says.</summary>
public sealed class DiskInfo
{
    public string Name { get; set; } = "";
    public Guid Id { get; set; }
    public string Path { get; set; } = "";
    public long SizeBytes { get; set; }
    public string? DiskGroup { get; set; }
    public Guid? DiskGroupId { get; set; }
    public List<string> AccessibleFrom { get; set; } = [];
}
