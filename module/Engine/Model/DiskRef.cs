namespace VolumeManager.Engine.Model;

/// <summary>A disk as a disk group records it: its name, identity and usable size.</summary>
public sealed class DiskRef
{
    public string Name { get; set; } = "";
    public Guid Id { get; set; }
    public long SizeBytes { get; set; }

    public DiskRef Clone() => new() { Name = Name, Id = Id, SizeBytes = SizeBytes };
}
