using VolumeManager.Engine.Storage;

namespace VolumeManager.Engine.Resync;

/// <summary>
/// One volume's dirty region log of one node, in memory (rule 3 of <see cref="DirtyRegions"/>): the dirty regions, the
/// writes in flight in each and when each was last written. The agent and the simulator both keep their logs in it;
/// not thread-safe (the agent holds its disk's lock).
/// </summary>
public sealed class DirtyRegionBook(Guid group, string volume, int regionBytes, long regions)
{
    private readonly Dictionary<long, int> inFlight = [];
    private readonly Dictionary<long, TimeSpan> touched = [];

    public Guid Group { get; } = group;
    public string Volume { get; } = volume;
    public int RegionBytes { get; } = regionBytes;
    public long Regions { get; } = regions;
    public SortedSet<long> Dirty { get; } = [];

    /// <summary>A write to regions <paramref name="first"/>..<paramref name="last"/> starts; the regions it makes dirty, which must be durable in the slot before it goes on.</summary>
    public List<long> Begin(long first, long last, TimeSpan now)
    {
        var fresh = new List<long>();
        for (var r = first; r <= last; r++)
        {
            inFlight[r] = inFlight.GetValueOrDefault(r) + 1;
            touched[r] = now;
            if (Dirty.Add(r)) fresh.Add(r);
        }
        return fresh;
    }

    /// <summary>The write is done: its regions may be cleared once idle.</summary>
    public void End(long first, long last, TimeSpan now)
    {
        for (var r = first; r <= last; r++)
        {
            touched[r] = now;
            if (inFlight.GetValueOrDefault(r) <= 1) inFlight.Remove(r); else inFlight[r]--;
        }
    }

    /// <summary>The dirty regions the cleaner may clear now.</summary>
    public long[] Idle(TimeSpan now) =>
        [.. Dirty.Where(r => DirtyRegions.Clearable(inFlight.ContainsKey(r), now - touched.GetValueOrDefault(r)))];

    /// <summary>Clears the picked regions that no write touched since <paramref name="pickedAt"/>; the ones cleared.</summary>
    public List<long> Clear(IEnumerable<long> picked, TimeSpan pickedAt)
    {
        var cleared = picked.Where(r => !inFlight.ContainsKey(r) && touched.GetValueOrDefault(r) <= pickedAt).ToList();
        foreach (var r in cleared)
        {
            Dirty.Remove(r);
            touched.Remove(r);
        }
        return cleared;
    }

    /// <summary>
    /// What a node's slot holds: each book's dirty regions, and what the node's previous run left (merged into a
    /// volume's current entry, as a whole-volume entry when the region sizes differ).
    /// </summary>
    public static List<DirtyEntry> SlotEntries(IEnumerable<DirtyRegionBook> books, IEnumerable<DirtyEntry> inherited)
    {
        var entries = books.Where(b => b.Dirty.Count > 0).Select(b => new DirtyEntry(b.Group, b.Volume, b.RegionBytes, [.. b.Dirty])).ToList();
        foreach (var left in inherited)
        {
            var at = entries.FindIndex(e => e.Key == left.Key);
            if (at < 0) entries.Add(left);
            else entries[at] = entries[at].RegionBytes == left.RegionBytes && !left.Whole
                ? entries[at] with { Regions = [.. entries[at].Regions.Union(left.Regions).Order()] }
                : entries[at] with { Whole = true };
        }
        return entries;
    }

    /// <summary>How many regions each entry's volume has (what the slot's bitmap spans), from the books; else past the last dirty one.</summary>
    public static Func<DirtyEntry, long> RegionCounts(IEnumerable<DirtyRegionBook> books)
    {
        var counts = books.GroupBy(b => (b.Group, b.Volume, b.RegionBytes)).ToDictionary(g => g.Key, g => g.First().Regions);
        return e => counts.TryGetValue((e.GroupId, e.Volume, e.RegionBytes), out var n) ? n : DirtyRegionSlot.RegionsNeeded(e);
    }
}
