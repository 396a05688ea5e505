using VolumeManager.Engine.Allocation;

namespace VolumeManager.Engine.Model;

/// <summary>A disk group: shared (every node) or private (one owning node).</summary>
public sealed class DiskGroup
{
    public string Name { get; set; } = "";
    public Guid Id { get; set; }
    public bool Shared { get; set; }
    public string? Owner { get; set; }
    public long Generation { get; set; }
    /// <summary>A <see cref="DetachPolicies"/> name: what a node's I/O error on a plex's disk does.</summary>
    public string DetachPolicy { get; set; } = DetachPolicies.Global;
    public List<DiskRef> Disks { get; set; } = [];
    public List<Volume> Volumes { get; set; } = [];
    /// <summary>The line of configurations the group's disk copies are on; null until the group is first imported (<see cref="GroupLineage.Of"/>).</summary>
    public GroupLineage? Lineage { get; set; }

    /// <summary>The group's hash once <see cref="Serialization.ConfigText.GroupHash"/> computed it; a copy starts without.</summary>
    internal byte[]? Hash;

    /// <summary>The disks' public regions together, as the disk references record them.</summary>
    public long SizeBytes => Disks.Sum(d => d.SizeBytes);

    /// <summary>What the allocator can still hand out: whole MiB extents no subdisk occupies (see <see cref="FreeSpace"/>).</summary>
    public long FreeBytes => FreeSpace.Of(this).TotalBytes;

    public DiskRef? FindDisk(string name) => Disks.FirstOrDefault(d => NameRules.Same(d.Name, name));
    public Volume? FindVolume(string name) => Volumes.FirstOrDefault(v => NameRules.Same(v.Name, name));

    /// <summary>Every subdisk of every plex of every volume in the group.</summary>
    public IEnumerable<Subdisk> Subdisks => Volumes.SelectMany(v => v.Plexes).SelectMany(p => p.Subdisks);

    /// <summary>The volumes that have at least one subdisk on the named disk, in the group's order.</summary>
    public IEnumerable<Volume> VolumesOn(string disk) =>
        Volumes.Where(v => v.Plexes.Any(p => p.Subdisks.Any(s => NameRules.Same(s.Disk, disk))));

    /// <summary>
    /// A copy a change may edit: its own disk and volume lists, the volumes themselves shared until an operation
    /// replaces one (<see cref="Operations.VolumeOperation"/>). A configuration once applied is never changed in
    /// place, so caches keyed by the objects (<see cref="Serialization.ConfigText"/>) stay true.
    /// </summary>
    public DiskGroup CopyForChange() => new()
    {
        Name = Name, Id = Id, Shared = Shared, Owner = Owner, Generation = Generation, DetachPolicy = DetachPolicy,
        Disks = Disks.Select(d => d.Clone()).ToList(),
        Volumes = [.. Volumes],
        Lineage = Lineage,
    };

    /// <summary>Readies a list for a change of the groups <paramref name="named"/>: those are copied before they change; the others stay the very objects they were.</summary>
    public static void CopyForChange(List<DiskGroup> groups, IReadOnlyCollection<string> named)
    {
        for (var i = 0; i < groups.Count; i++)
            if (named.Any(name => NameRules.Same(name, groups[i].Name))) groups[i] = groups[i].CopyForChange();
    }

    public DiskGroup Clone() => new()
    {
        Name = Name, Id = Id, Shared = Shared, Owner = Owner, Generation = Generation, DetachPolicy = DetachPolicy,
        Disks = Disks.Select(d => d.Clone()).ToList(),
        Volumes = Volumes.Select(v => v.Clone()).ToList(),
        Lineage = Lineage,
    };
}
