using System.Globalization;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Allocation;

/// <summary>
/// Lays volumes out on a disk group's free extents. Pure and deterministic: the same group and request
/// always give the same subdisks, so the initiating node decides a layout once and every node applies it.
/// <para>Policy: a plex of N bytes concatenates free extents first fit — disks in ordinal name order,
/// extents in offset order — taking whole extents until the last piece, which takes only what is left
/// (its tail up to the next MiB stays with it). Each plex of a volume uses disks no other plex of the
/// volume uses. For several mirrors at once the plexes take disks one after another; if that leaves a
/// later plex short, the disks are instead dealt out by free space (largest first, each to the plex with
/// least so far) and each plex takes first fit within its share. Growing first extends a plex's last
/// subdisk in place when the space after it is free, then adds subdisks on the plex's own disks, then on
/// disks no other plex uses. Shrinking trims subdisks from the end of every plex. Hot spares and disks
/// that failed take no new data unless named (see <see cref="Relocation"/> for what spares are for).</para>
/// </summary>
public static class Allocator
{
    /// <summary>The most plexes one volume may have.</summary>
    public const int MaxPlexes = 32;

    /// <summary>Null when <paramref name="sizeBytes"/> can be a volume size: positive and a whole number of 512-byte sectors.</summary>
    public static string? SizeProblem(long sizeBytes, string what)
    {
        if (sizeBytes < 0) return $"The size of {what} cannot be negative ({sizeBytes} bytes).";
        if (sizeBytes == 0) return $"The size of {what} must be greater than zero.";
        if (sizeBytes % Sizes.SectorSize != 0)
            return $"The size of {what}, {Sizes.Describe(sizeBytes)}, is not a whole number of {Sizes.SectorSize}-byte sectors; use {Choices(sizeBytes)}.";
        return null;
    }

    /// <summary>The whole-sector sizes on either side of <paramref name="sizeBytes"/>, written so the two read differently.</summary>
    private static string Choices(long sizeBytes)
    {
        var below = sizeBytes / Sizes.SectorSize * Sizes.SectorSize;
        if (sizeBytes > long.MaxValue - Sizes.SectorSize) return Sizes.Describe(below);
        var above = below + Sizes.SectorSize;
        return Sizes.Human(below) == Sizes.Human(above)
            ? $"{below.ToString(CultureInfo.InvariantCulture)} or {above.ToString(CultureInfo.InvariantCulture)} bytes"
            : $"{Sizes.Describe(below)} or {Sizes.Describe(above)}";
    }

    /// <summary>Null when a volume may have <paramref name="mirrors"/> plexes.</summary>
    public static string? MirrorCountProblem(int mirrors) => mirrors is < 1 or > MaxPlexes
        ? $"A volume has between 1 and {MaxPlexes} mirrors (plexes); {mirrors} was asked for."
        : null;

    /// <summary>The plexes of a new volume: <paramref name="mirrors"/> plexes of <paramref name="sizeBytes"/> each, Active, on pairwise distinct disks.</summary>
    public static Placement PlaceVolume(DiskGroup group, string volume, long sizeBytes, int mirrors)
    {
        if (SizeProblem(sizeBytes, $"volume '{volume}'") is { } sizeProblem) return Placement.Refused(ErrorIds.InvalidSize, sizeProblem);
        if (MirrorCountProblem(mirrors) is { } mirrorProblem) return Placement.Refused(ErrorIds.InvalidMirrorCount, mirrorProblem);
        var space = FreeSpace.ForNewData(group);
        var disks = space.Disks;
        if (mirrors > disks.Count)
            return Placement.Refused(ErrorIds.InsufficientDisks,
                $"Volume '{volume}' with {mirrors} mirrors needs {mirrors} distinct disks, one or more for each mirror, but disk group '{group.Name}' has only {Count(disks.Count, "disk")} ({string.Join(", ", disks)}). Add disks with Add-VmDisk or ask for fewer mirrors.");
        var withSpace = space.DisksWithSpace.ToList();
        if (mirrors > withSpace.Count)
            return Placement.Refused(ErrorIds.InsufficientSpace,
                $"Volume '{volume}' with {mirrors} mirrors needs {mirrors} distinct disks with free space, but only {withSpace.Count} of the {Count(disks.Count, "disk")} of disk group '{group.Name}' have any: {space.PerDisk()}.");
        if (sizeBytes > space.TotalBytes || (Int128)Sizes.AlignUp(sizeBytes) * mirrors > space.TotalBytes)
            return Placement.Refused(ErrorIds.InsufficientSpace,
                $"Volume '{volume}' needs {Asked(sizeBytes, mirrors)}, but disk group '{group.Name}' has {Sizes.Describe(space.TotalBytes)} free ({space.PerDisk()}).");

        var names = new SubdiskNames(group);
        var placed = Sequential(space, sizeBytes, mirrors, names.Clone()) is { } plain
            ? plain
            : Partitioned(space, sizeBytes, mirrors, names.Clone());
        if (placed is null)
            return Placement.Refused(ErrorIds.InsufficientSpace,
                $"Volume '{volume}' needs {Asked(sizeBytes, mirrors)}, each mirror on disks no other mirror uses; disk group '{group.Name}' has {Sizes.Describe(space.TotalBytes)} free in total, but not so divided among its disks: {space.PerDisk()}.");
        var plexes = placed.Select((subdisks, i) => new Plex { Name = PlexName(volume, i + 1), State = PlexStates.Active, Subdisks = subdisks }).ToList();
        return Placement.Placed(plexes, $"volume '{volume}' fits: {Describe(plexes)}");
    }

    /// <summary>One new plex for <paramref name="volume"/>, Stale, on disks no plex of the volume uses (only <paramref name="onDisks"/> when given).</summary>
    public static Placement PlaceMirror(DiskGroup group, Volume volume, IReadOnlyCollection<string>? onDisks = null)
    {
        if (volume.Plexes.Count >= MaxPlexes)
            return Placement.Refused(ErrorIds.InvalidMirrorCount, $"Volume '{volume.Name}' already has {volume.Plexes.Count} plexes, the most a volume may have.");
        var space = onDisks is { Count: > 0 } ? FreeSpace.Of(group, d => d.IsHealthy) : FreeSpace.ForNewData(group);
        var used = volume.DiskNames.ToHashSet(StringComparer.Ordinal);
        List<string> candidates;
        if (onDisks is { Count: > 0 })
        {
            foreach (var disk in onDisks.Distinct().Order(StringComparer.Ordinal))
            {
                if (group.FindDisk(disk) is null)
                    return Placement.Refused(ErrorIds.DiskNotFound, $"Disk group '{group.Name}' has no disk named '{disk}'.");
                if (used.Contains(disk))
                    return Placement.Refused(ErrorIds.DiskInUse,
                        $"Disk '{disk}' already holds {PlexesOn(volume, disk)} of volume '{volume.Name}'; a mirror must be on disks no other plex of the volume uses.");
            }
            candidates = space.Disks.Where(d => onDisks.Contains(d, StringComparer.Ordinal)).ToList();
        }
        else candidates = space.Disks.Where(d => !used.Contains(d)).ToList();
        if (candidates.Count == 0)
            return Placement.Refused(ErrorIds.InsufficientDisks,
                $"Every disk of disk group '{group.Name}' ({string.Join(", ", space.Disks)}) already holds a plex of volume '{volume.Name}'; a new mirror needs a disk no other plex uses. Add one with Add-VmDisk.");
        var need = volume.SizeBytes;
        var available = space.BytesOn(candidates);
        if (Sizes.AlignUp(Math.Min(need, available + 1)) > available)
            return Placement.Refused(ErrorIds.InsufficientSpace,
                $"A new mirror of volume '{volume.Name}' needs {Sizes.Describe(need)} on disks no other plex of the volume uses; those disks have {Sizes.Describe(available)} free ({space.PerDisk(candidates)}), and disk group '{group.Name}' {Sizes.Describe(space.TotalBytes)} in all.");
        var subdisks = Take(space, need, candidates, new SubdiskNames(group))!;
        var plex = new Plex { Name = NextPlexName(volume), State = PlexStates.Stale, Subdisks = subdisks };
        return Placement.Placed([plex], $"mirror fits: {Describe([plex])}");
    }

    /// <summary>Every plex of <paramref name="volume"/> at <paramref name="sizeBytes"/>: grown or trimmed, states kept.</summary>
    public static Placement PlaceResize(DiskGroup group, Volume volume, long sizeBytes)
    {
        if (SizeProblem(sizeBytes, $"volume '{volume.Name}'") is { } sizeProblem) return Placement.Refused(ErrorIds.InvalidSize, sizeProblem);
        if (sizeBytes == volume.SizeBytes)
            return Placement.Refused(ErrorIds.InvalidSize, $"Volume '{volume.Name}' is already {Sizes.Describe(sizeBytes)}; give a different size to grow or shrink it.");
        var space = FreeSpace.ForNewData(group);
        var plexes = volume.Plexes.Select(p => p.Clone()).ToList();
        var names = new SubdiskNames(group);
        foreach (var plex in plexes)
        {
            var more = sizeBytes - plex.SizeBytes;
            if (more <= 0) { Trim(plex, sizeBytes); continue; }
            var others = plexes.Where(p => p != plex).SelectMany(p => p.DiskNames).ToHashSet(StringComparer.Ordinal);
            var inPlace = ExtendInPlace(space, plex, more, others);
            var rest = more - inPlace;
            if (rest == 0) continue;
            var own = plex.DiskNames.ToList();
            var candidates = own.Concat(space.Disks.Where(d => !others.Contains(d) && !own.Contains(d))).ToList();
            var available = space.BytesOn(candidates);
            if (Sizes.AlignUp(Math.Min(rest, available + 1)) > available)
                return Placement.Refused(ErrorIds.InsufficientSpace,
                    $"Growing volume '{volume.Name}' from {Sizes.Describe(volume.SizeBytes)} to {Sizes.Describe(sizeBytes)} needs {Sizes.Describe(sizeBytes - volume.SizeBytes)} more on each of its {Count(plexes.Count, "plex", "plexes")}; " +
                    $"plex '{plex.Name}' can grow by only {Sizes.Describe(inPlace + available)} on its own disks and disks no other plex uses ({space.PerDisk(candidates)}). " +
                    $"Disk group '{group.Name}' has {Sizes.Describe(FreeSpace.Of(group).TotalBytes)} free.");
            plex.Subdisks.AddRange(Take(space, rest, candidates, names)!);
        }
        var verb = sizeBytes > volume.SizeBytes ? "grows" : "shrinks";
        return Placement.Placed(plexes, $"volume '{volume.Name}' {verb} from {Sizes.Human(volume.SizeBytes)} to {Sizes.Human(sizeBytes)}: {Describe(plexes)}");
    }

    /// <summary>Plex names are the volume's name and a two-digit number: vol1-01, vol1-02, ...</summary>
    public static string PlexName(string volume, int number) => $"{volume}-{number:D2}";

    /// <summary>The lowest-numbered plex name the volume does not use yet.</summary>
    public static string NextPlexName(Volume volume)
    {
        for (var n = 1; ; n++)
            if (volume.FindPlex(PlexName(volume.Name, n)) is null) return PlexName(volume.Name, n);
    }

    /// <summary>Cuts the plex to <paramref name="sizeBytes"/>: subdisks wholly past it go, the one it falls in is shortened.</summary>
    private static void Trim(Plex plex, long sizeBytes)
    {
        var kept = new List<Subdisk>();
        var at = 0L;
        foreach (var subdisk in plex.Subdisks)
        {
            if (at >= sizeBytes) break;
            subdisk.Length = Math.Min(subdisk.Length, sizeBytes - at);
            at += subdisk.Length;
            kept.Add(subdisk);
        }
        plex.Subdisks = kept;
    }

    /// <summary>
    /// Lengthens the plex's last subdisk into the rest of its last MiB and the free extent right after
    /// it, if there is one; returns the bytes gained.
    /// </summary>
    private static long ExtendInPlace(FreeSpace space, Plex plex, long more, HashSet<string> others)
    {
        if (plex.Subdisks.Count == 0) return 0;
        var last = plex.Subdisks[^1];
        if (others.Contains(last.Disk) || last.Offset % Sizes.Alignment != 0) return 0;
        var footprintEnd = Sizes.AlignUp(last.End);
        var slack = footprintEnd <= space.Capacity(last.Disk) ? footprintEnd - last.End : 0;
        var after = space.StartingAt(last.Disk, footprintEnd);
        var gain = Math.Min(more, slack + (after?.Length ?? 0));
        if (gain <= 0) return 0;
        last.Length += gain;
        if (last.End > footprintEnd) space.Take(last.Disk, footprintEnd, last.End - footprintEnd);
        return gain;
    }

    /// <summary>Plexes one after another, each first fit over the disks the earlier ones left; null when a plex falls short.</summary>
    private static List<List<Subdisk>>? Sequential(FreeSpace free, long sizeBytes, int mirrors, SubdiskNames names)
    {
        var space = free.Clone();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var plexes = new List<List<Subdisk>>();
        for (var i = 0; i < mirrors; i++)
        {
            var candidates = space.Disks.Where(d => !taken.Contains(d)).ToList();
            if (Take(space, sizeBytes, candidates, names) is not { } subdisks) return null;
            taken.UnionWith(subdisks.Select(s => s.Disk));
            plexes.Add(subdisks);
        }
        return plexes;
    }

    /// <summary>Disks dealt out by free space, largest first, each to the plex with least so far; then first fit within each share.</summary>
    private static List<List<Subdisk>>? Partitioned(FreeSpace free, long sizeBytes, int mirrors, SubdiskNames names)
    {
        var space = free.Clone();
        var shares = Enumerable.Range(0, mirrors).Select(_ => new List<string>()).ToList();
        var totals = new long[mirrors];
        foreach (var disk in space.Disks.OrderByDescending(space.BytesOn).ThenBy(d => d, StringComparer.Ordinal))
        {
            var least = Array.IndexOf(totals, totals.Min());
            shares[least].Add(disk);
            totals[least] += space.BytesOn(disk);
        }
        var plexes = new List<List<Subdisk>>();
        foreach (var share in shares)
        {
            if (Take(space, sizeBytes, share.Order(StringComparer.Ordinal).ToList(), names) is not { } subdisks) return null;
            plexes.Add(subdisks);
        }
        return plexes;
    }

    /// <summary>
    /// Concatenates free extents of <paramref name="disks"/> (in the order given, extents by offset) into
    /// subdisks holding <paramref name="bytes"/>; null, with nothing taken, when they do not have room.
    /// </summary>
    internal static List<Subdisk>? Take(FreeSpace space, long bytes, IReadOnlyList<string> disks, SubdiskNames names)
    {
        var available = space.BytesOn(disks);
        if (Sizes.AlignUp(Math.Min(bytes, available + 1)) > available) return null;
        var subdisks = new List<Subdisk>();
        var remaining = bytes;
        foreach (var disk in disks)
        {
            foreach (var extent in space.On(disk).ToList())
            {
                if (remaining == 0) break;
                var length = Math.Min(remaining, extent.Length);
                space.Take(disk, extent.Offset, length);
                subdisks.Add(new Subdisk { Name = names.Next(disk), Disk = disk, Offset = extent.Offset, Length = length });
                remaining -= length;
            }
            if (remaining == 0) break;
        }
        return subdisks;
    }

    private static string Asked(long sizeBytes, int mirrors) => mirrors == 1
        ? Sizes.Describe(sizeBytes)
        : $"{mirrors} mirrors of {Sizes.Describe(sizeBytes)} each";

    private static string PlexesOn(Volume volume, string disk) =>
        string.Join(", ", volume.Plexes.Where(p => p.DiskNames.Contains(disk)).Select(p => $"plex '{p.Name}'"));

    internal static string Count(int n, string one, string? many = null) => $"{n} {(n == 1 ? one : many ?? one + "s")}";

    /// <summary>"vol1-01 on d1, d2; vol1-02 on d3".</summary>
    public static string Describe(IEnumerable<Plex> plexes) =>
        string.Join("; ", plexes.Select(p => $"{p.Name} on {string.Join(", ", p.DiskNames)}"));
}

/// <summary>Subdisk names, Veritas style: the disk's name and a two-digit number (d1-01, d1-02, ...), unique within the group.</summary>
internal sealed class SubdiskNames
{
    private readonly HashSet<string> existing;
    private readonly HashSet<string> given;

    public SubdiskNames(DiskGroup group) : this(new HashSet<string>(group.Subdisks.Select(s => s.Name), StringComparer.Ordinal), []) { }

    private SubdiskNames(HashSet<string> existing, HashSet<string> given)
    {
        this.existing = existing;
        this.given = given;
    }

    /// <summary>Names given from here on are the copy's own; the group's names are shared, not copied.</summary>
    public SubdiskNames Clone() => new(existing, new HashSet<string>(given, StringComparer.Ordinal));

    public string Next(string disk)
    {
        for (var n = 1; ; n++)
        {
            var name = $"{disk}-{n:D2}";
            if (!existing.Contains(name) && given.Add(name)) return name;
        }
    }
}
