using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Operations;

/// <summary>Brings a disk group back into the configuration from its disks' configuration copy (chosen by <see cref="Import.ImportSelection"/>).</summary>
public sealed class ImportDiskGroup : Operation
{
    public DiskGroup Group { get; set; } = new();
    public bool Shared { get; set; }
    public string? Owner { get; set; }
    /// <summary>The generation of the copy it was taken from, for the record.</summary>
    public long CopyGeneration { get; set; }
    /// <summary>
    /// The new line of configurations the import starts (<see cref="GroupLineage"/>), chosen once by the initiator so
    /// every node records the same; a fresh one for every operation made.
    /// </summary>
    public Guid Lineage { get; set; } = Guid.NewGuid();

    public override string Describe() =>
        $"import {(Shared ? "shared" : "private")} disk group '{DiskGroup}' ({Group.Volumes.Count} volume(s) on {string.Join(", ", Group.Disks.Select(d => d.Name))}) from copies at generation {CopyGeneration}";

    public override void ApplyTo(List<DiskGroup> groups, long generation)
    {
        var group = Group.Clone();
        group.Name = DiskGroup;
        group.Shared = Shared;
        group.Owner = Shared ? null : Owner;
        group.Generation = generation;
        group.Lineage = GroupLineage.Of(Group).Fork(Lineage, CopyGeneration);
        groups.Add(group);
    }
}
