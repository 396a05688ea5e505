using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Operations;

public sealed class CreateDiskGroup : Operation
{
    public Guid Id { get; set; }
    public bool Shared { get; set; }
    public string? Owner { get; set; }
    public List<DiskRef> Disks { get; set; } = [];
    /// <summary>A <see cref="DetachPolicies"/> name.</summary>
    public string DetachPolicy { get; set; } = DetachPolicies.Global;

    public override string Describe() =>
        $"create {(Shared ? "shared" : "private")} disk group '{DiskGroup}' on {string.Join(", ", Disks.Select(d => d.Name))}";

    public override void ApplyTo(List<DiskGroup> groups, long generation) => groups.Add(new DiskGroup
    {
        Name = DiskGroup, Id = Id, Shared = Shared, Owner = Shared ? null : Owner, Generation = generation, DetachPolicy = DetachPolicy,
        Disks = Disks.Select(d => d.Clone()).ToList(),
    });
}
