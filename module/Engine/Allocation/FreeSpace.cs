using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Allocation;

/// <summary>
/// The free extents of a disk group's disks. A disk's usable public region is its
/// <see cref="DiskRef.SizeBytes"/> rounded down to a whole MiB; a subdisk occupies its own extent
/// rounded out to MiB boundaries, so every free extent starts and ends on a MiB boundary.
/// Disks are kept in ordinal name order, extents in offset order; the same group always gives the same extents.
/// </summary>
public sealed class FreeSpace
{
    private readonly SortedDictionary<string, List<Extent>> free;
    private readonly Dictionary<string, long> capacities;

    private FreeSpace(SortedDictionary<string, List<Extent>> free, Dictionary<string, long> capacities)
    {
        this.free = free;
        this.capacities = capacities;
    }

    /// <summary>The free extents of <paramref name="group"/>'s disks (only those <paramref name="include"/> accepts, when given).</summary>
    public static FreeSpace Of(DiskGroup group, Func<DiskRef, bool>? include = null)
    {
        var free = new SortedDictionary<string, List<Extent>>(StringComparer.Ordinal);
        var capacities = group.Disks.Where(include ?? (_ => true)).ToDictionary(d => d.Name, d => Sizes.AlignDown(d.SizeBytes), StringComparer.Ordinal);
        foreach (var (disk, used) in UsedExtents(group, capacities))
        {
            var capacity = capacities[disk];
            var extents = new List<Extent>();
            var cursor = 0L;
            foreach (var (start, end) in used.OrderBy(u => u.Start))
            {
                if (start > cursor) extents.Add(new Extent(disk, cursor, start - cursor));
                cursor = Math.Max(cursor, end);
            }
            if (capacity > cursor) extents.Add(new Extent(disk, cursor, capacity - cursor));
            free[disk] = extents;
        }
        return new FreeSpace(free, capacities);
    }

    /// <summary>Each disk's used extents, rounded out to MiB boundaries and cut to its capacity: one pass over the group's subdisks.</summary>
    private static Dictionary<string, List<(long Start, long End)>> UsedExtents(DiskGroup group, Dictionary<string, long> capacities)
    {
        var used = capacities.Keys.ToDictionary(d => d, _ => new List<(long Start, long End)>(), StringComparer.Ordinal);
        foreach (var subdisk in group.Subdisks)
        {
            if (subdisk.Length <= 0 || !used.TryGetValue(subdisk.Disk, out var extents)) continue;
            var capacity = capacities[subdisk.Disk];
            var (start, end) = (Math.Max(0, Sizes.AlignDown(subdisk.Offset)), Math.Min(capacity, Sizes.AlignUp(Math.Min(subdisk.End, capacity))));
            if (end > start) extents.Add((start, end));
        }
        return used;
    }

    /// <summary>Where new volumes, mirrors and growth go: healthy disks that are not hot spares.</summary>
    public static FreeSpace ForNewData(DiskGroup group) => Of(group, d => d.IsHealthy && !d.Spare);

    public FreeSpace Clone() => new(new SortedDictionary<string, List<Extent>>(
        free.ToDictionary(p => p.Key, p => p.Value.ToList()), StringComparer.Ordinal), capacities);

    /// <summary>The usable part of a disk's public region: its size rounded down to a whole MiB; 0 for a disk not in the group.</summary>
    public long Capacity(string disk) => capacities.GetValueOrDefault(disk);

    /// <summary>Every disk of the group, in ordinal name order.</summary>
    public IReadOnlyList<string> Disks => [.. free.Keys];

    /// <summary>The free extents of one disk in offset order; none for a disk not in the group.</summary>
    public IReadOnlyList<Extent> On(string disk) => free.TryGetValue(disk, out var extents) ? extents : [];

    /// <summary>Every free extent, disk by disk in name order.</summary>
    public IEnumerable<Extent> Extents => free.Values.SelectMany(e => e);

    public long TotalBytes => free.Values.Sum(e => e.Sum(x => x.Length));

    public long BytesOn(string disk) => On(disk).Sum(e => e.Length);

    public long BytesOn(IEnumerable<string> disks) => disks.Distinct().Sum(BytesOn);

    /// <summary>The disks that still have a free extent, in name order.</summary>
    public IEnumerable<string> DisksWithSpace => free.Where(p => p.Value.Count > 0).Select(p => p.Key);

    /// <summary>The free extent that starts exactly at <paramref name="offset"/> on <paramref name="disk"/>, if any.</summary>
    public Extent? StartingAt(string disk, long offset) =>
        On(disk).Where(e => e.Offset == offset).Select(e => (Extent?)e).FirstOrDefault();

    /// <summary>Marks <paramref name="length"/> bytes (rounded up to MiB) at <paramref name="offset"/> of <paramref name="disk"/> as used.</summary>
    public void Take(string disk, long offset, long length)
    {
        var end = offset + Sizes.AlignUp(length);
        var extents = free[disk];
        var index = extents.FindIndex(e => e.Offset <= offset && end <= e.End);
        if (index < 0) throw new InvalidOperationException($"[{offset}, {end}) of disk '{disk}' is not free.");
        var extent = extents[index];
        extents.RemoveAt(index);
        if (end < extent.End) extents.Insert(index, extent with { Offset = end, Length = extent.End - end });
        if (offset > extent.Offset) extents.Insert(index, extent with { Length = offset - extent.Offset });
    }

    /// <summary>"d1 64 MiB, d2 0 bytes": what each disk has free, for messages.</summary>
    public string PerDisk(IEnumerable<string>? disks = null) =>
        string.Join(", ", (disks ?? Disks).Select(d => $"{d} {Sizes.Human(BytesOn(d))}"));
}
