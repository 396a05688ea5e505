using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Operations;

/// <summary>
/// Writes a backed-up configuration of a disk group back: its volumes (plexes, subdisks) become the backup's, at the
/// new generation. The node checks first make sure the backup's disks are the group's disks (<see cref="Checks.BackupChecks"/>),
/// so the disk list stays as it is now, with each disk's current state and spare flag; the group's name, id, scope,
/// detach policy and lineage stay too (a restore is one more change on the group's line).
/// </summary>
public sealed class RestoreDiskGroup : Operation
{
    /// <summary>The group as the backup holds it.</summary>
    public DiskGroup Backup { get; set; } = new();
    /// <summary>The generation the backup was taken at.</summary>
    public long BackupGeneration { get; set; }

    public override string Describe() =>
        $"restore disk group '{DiskGroup}' to its configuration of generation {BackupGeneration} ({Backup.Volumes.Count} volume(s) on {string.Join(", ", Backup.Disks.Select(d => d.Name))})";

    public override void ApplyTo(List<DiskGroup> groups, long generation)
    {
        var at = groups.FindIndex(g => NameRules.Same(g.Name, DiskGroup));
        if (at < 0) return;
        var group = groups[at].CopyForChange();
        group.Volumes = Backup.Volumes.Select(v => v.Clone()).ToList();
        group.Generation = generation;
        groups[at] = group;
    }
}
