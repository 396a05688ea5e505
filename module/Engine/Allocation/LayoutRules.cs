using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Allocation;

/// <summary>
/// Whether a volume's layout is sound within its disk group: what every node checks of a layout the
/// initiating node decided, against its own copy of the group, before it applies it.
/// </summary>
public static class LayoutRules
{
    /// <summary>Null when <paramref name="volume"/>'s plexes are a sound layout in <paramref name="group"/> (which holds it); otherwise what is wrong.</summary>
    public static string? Problem(DiskGroup group, Volume volume)
    {
        if (volume.Plexes.Count == 0) return $"volume '{volume.Name}' has no plex.";
        var plexNames = new HashSet<string>(StringComparer.Ordinal);
        var diskOwner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var plex in volume.Plexes)
        {
            if (!plexNames.Add(plex.Name)) return $"volume '{volume.Name}' has two plexes named '{plex.Name}'.";
            if (PlexStates.Parse(plex.State) is null) return $"plex '{plex.Name}' has state '{plex.State}'; a plex is {PlexStates.Names}.";
            foreach (var subdisk in plex.Subdisks)
            {
                if (SubdiskProblem(group, subdisk) is { } problem) return problem;
                if (diskOwner.TryGetValue(subdisk.Disk, out var owner) && owner != plex.Name)
                    return $"plexes '{owner}' and '{plex.Name}' of volume '{volume.Name}' both use disk '{subdisk.Disk}'; each mirror must be on disks no other plex uses.";
                diskOwner[subdisk.Disk] = plex.Name;
            }
            // Only now: every length is within its disk, so the sum cannot overflow.
            if (plex.SizeBytes != volume.SizeBytes)
                return $"plex '{plex.Name}' holds {Sizes.Describe(plex.SizeBytes)}, but volume '{volume.Name}' is {Sizes.Describe(volume.SizeBytes)}.";
        }
        var mine = volume.Plexes.SelectMany(p => p.Subdisks).ToList();
        var names = new Dictionary<string, Subdisk>(StringComparer.Ordinal);
        foreach (var subdisk in mine)
            if (!names.TryAdd(subdisk.Name, subdisk)) return Twice(group, subdisk);
        for (var i = 0; i < mine.Count; i++)
            if (mine.Take(i).FirstOrDefault(o => Overlap(o, mine[i])) is { } clash) return Overlaps(mine[i], clash);
        return ClashWithOthers(group, volume, mine, names);
    }

    /// <summary>One pass over the rest of the group (it may hold 10,000 volumes): a name of ours taken, or an extent of ours overlapped.</summary>
    private static string? ClashWithOthers(DiskGroup group, Volume volume, List<Subdisk> mine, Dictionary<string, Subdisk> names)
    {
        var disks = mine.Select(s => s.Disk).ToHashSet(StringComparer.Ordinal);
        string? overlap = null;
        foreach (var other in group.Volumes)
        {
            if (other == volume) continue;
            foreach (var plex in other.Plexes)
                foreach (var subdisk in plex.Subdisks)
                {
                    if (names.TryGetValue(subdisk.Name, out var named)) return Twice(group, named);
                    if (overlap is null && disks.Contains(subdisk.Disk) && mine.FirstOrDefault(m => Overlap(subdisk, m)) is { } overlapping)
                        overlap = Overlaps(overlapping, subdisk);
                }
        }
        return overlap;
    }

    private static string Twice(DiskGroup group, Subdisk subdisk) => $"subdisk name '{subdisk.Name}' is used twice in disk group '{group.Name}'.";

    private static string Overlaps(Subdisk subdisk, Subdisk clash) => $"subdisk '{subdisk.Name}' ({Where(subdisk)}) overlaps subdisk '{clash.Name}' ({Where(clash)}).";

    private static string? SubdiskProblem(DiskGroup group, Subdisk subdisk)
    {
        if (group.FindDisk(subdisk.Disk) is not { } disk)
            return $"subdisk '{subdisk.Name}' is on disk '{subdisk.Disk}', which is not in disk group '{group.Name}'.";
        if (subdisk.Length <= 0) return $"subdisk '{subdisk.Name}' has length {subdisk.Length}; a subdisk holds at least one byte.";
        if (subdisk.Offset < 0 || subdisk.Offset % Sizes.Alignment != 0)
            return $"subdisk '{subdisk.Name}' starts at {subdisk.Offset}, which is not on a 1 MiB boundary of disk '{disk.Name}'.";
        var capacity = Sizes.AlignDown(disk.SizeBytes);
        if (subdisk.Length > capacity - subdisk.Offset)
            return $"subdisk '{subdisk.Name}' ({Where(subdisk)}) runs past the end of disk '{disk.Name}', which has {Sizes.Describe(capacity)} usable.";
        return null;
    }

    /// <summary>Two subdisks on one disk whose extents, rounded out to MiB boundaries, share a byte.</summary>
    private static bool Overlap(Subdisk a, Subdisk b) =>
        NameRules.Same(a.Disk, b.Disk)
        && Sizes.AlignDown(a.Offset) < Sizes.AlignUp(b.End)
        && Sizes.AlignDown(b.Offset) < Sizes.AlignUp(a.End);

    private static string Where(Subdisk s) => $"disk '{s.Disk}' bytes {s.Offset}..{s.End}";
}
