namespace VolumeManager.Engine.Model;

/// <summary>A disk group: shared (every node) or private (one owning node).</summary>
public sealed class DiskGroup
{
    public string Name { get; set; } = "";
    public Guid Id { get; set; }
    public bool Shared { get; set; }
    public string? Owner { get; set; }
    public long Generation { get; set; }
    public List<DiskRef> Disks { get; set; } = [];
    public List<Volume> Volumes { get; set; } = [];

    public long SizeBytes => Disks.Sum(d => d.SizeBytes);

    public DiskGroup Clone() => new()
    {
        Name = Name, Id = Id, Shared = Shared, Owner = Owner, Generation = Generation,
        Disks = Disks.Select(d => d.Clone()).ToList(),
        Volumes = Volumes.Select(v => v.Clone()).ToList(),
    };
}
