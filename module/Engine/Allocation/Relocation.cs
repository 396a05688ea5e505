using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.Allocation;

/// <summary>
/// Where a detached plex goes when its disk failed, and back once the disk is replaced. Pure and deterministic, so
/// the master decides it once and every node checks the same subdisks. Subdisks on a disk that is not Healthy move;
/// the others stay. Targets: hot spares first, then the free space of healthy disks, never a disk that holds another
/// plex of the volume (first fit, disks in name order within each of the two sets).
/// </summary>
public static class Relocation
{
    /// <summary>The plexes of the group that are detached with a subdisk on a disk that failed: what relocation is for.</summary>
    public static IEnumerable<(Volume Volume, Plex Plex)> Wanted(DiskGroup group) =>
        group.Volumes.SelectMany(v => v.Plexes.Where(p => p.State == PlexStates.Detached && p.Subdisks.Any(s => !Healthy(group, s.Disk))).Select(p => (v, p)));

    /// <summary>The move off the failed disks, or why there is none (refused with InsufficientSpace).</summary>
    public static (RelocatePlex? Move, string Problem) Plan(DiskGroup group, Volume volume, Plex plex)
    {
        var others = volume.Plexes.Where(p => p != plex).SelectMany(p => p.DiskNames).ToHashSet(StringComparer.Ordinal);
        var stays = plex.Subdisks.Where(s => Healthy(group, s.Disk)).Select(s => s.Disk).ToHashSet(StringComparer.Ordinal);
        bool Target(DiskRef d) => d.IsHealthy && !others.Contains(d.Name);
        var spares = FreeSpace.Of(group, d => Target(d) && d.Spare);
        var rest = FreeSpace.Of(group, d => Target(d) && !d.Spare);
        var names = new SubdiskNames(group);
        var moved = new List<Subdisk>();
        foreach (var subdisk in plex.Subdisks)
        {
            if (Healthy(group, subdisk.Disk)) { moved.Add(subdisk.Clone()); continue; }
            var from = subdisk.RelocatedFrom ?? subdisk.Disk;
            var pieces = Allocator.Take(spares, subdisk.Length, spares.Disks, names)
                ?? Allocator.Take(rest, subdisk.Length, [.. stays.Where(rest.Disks.Contains), .. rest.Disks.Where(d => !stays.Contains(d))], names);
            if (pieces is null)
                return (null, $"plex '{plex.Name}' of volume '{volume.Name}' cannot be relocated off disk '{subdisk.Disk}': subdisk '{subdisk.Name}' needs {Sizes.Describe(subdisk.Length)} " +
                    $"on a healthy disk no other plex of the volume uses; spares have {Sizes.Describe(spares.TotalBytes)} free ({spares.PerDisk()}), other disks {Sizes.Describe(rest.TotalBytes)} ({rest.PerDisk()}).");
            foreach (var piece in pieces) piece.RelocatedFrom = from;
            moved.AddRange(pieces);
        }
        return (new RelocatePlex { DiskGroup = group.Name, Volume = volume.Name, Plex = plex.Name, Subdisks = moved }, "");
    }

    /// <summary>The move of every relocated subdisk of the plex back to the disk it came from, which is then Healthy again.</summary>
    public static (RelocatePlex? Move, string ErrorId, string Problem) PlanUndo(DiskGroup group, Volume volume, Plex plex)
    {
        var origins = plex.Subdisks.Select(s => s.RelocatedFrom).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (origins.Count == 0) return (null, ErrorIds.PlexNotFound, $"No subdisk of plex '{plex.Name}' of volume '{volume.Name}' was relocated; there is nothing to move back.");
        if (origins.FirstOrDefault(d => group.FindDisk(d) is null) is { } gone)
            return (null, ErrorIds.DiskNotFound, $"Plex '{plex.Name}' came from disk '{gone}', which is no longer in disk group '{group.Name}'.");
        var others = volume.Plexes.Where(p => p != plex).SelectMany(p => p.DiskNames).ToHashSet(StringComparer.Ordinal);
        if (origins.FirstOrDefault(others.Contains) is { } taken)
            return (null, ErrorIds.DiskInUse, $"Disk '{taken}' now holds another plex of volume '{volume.Name}'; plex '{plex.Name}' cannot move back onto it.");
        var space = FreeSpace.Of(group, d => origins.Contains(d.Name, StringComparer.Ordinal));
        var names = new SubdiskNames(group);
        var moved = new List<Subdisk>();
        foreach (var subdisk in plex.Subdisks)
        {
            if (subdisk.RelocatedFrom is not { } home) { moved.Add(subdisk.Clone()); continue; }
            var pieces = Allocator.Take(space, subdisk.Length, [home], names);
            if (pieces is null)
                return (null, ErrorIds.InsufficientSpace, $"Disk '{home}' has {Sizes.Describe(space.BytesOn(home))} free; subdisk '{subdisk.Name}' of plex '{plex.Name}' needs {Sizes.Describe(subdisk.Length)} to move back.");
            moved.AddRange(pieces);
        }
        return (new RelocatePlex { DiskGroup = group.Name, Volume = volume.Name, Plex = plex.Name, Subdisks = moved, Healed = origins }, "", "");
    }

    private static bool Healthy(DiskGroup group, string disk) => group.FindDisk(disk)?.IsHealthy ?? false;
}
