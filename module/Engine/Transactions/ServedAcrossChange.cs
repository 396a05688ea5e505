using VolumeManager.Engine.Model;
using VolumeManager.Engine.Resync;

namespace VolumeManager.Engine.Transactions;

/// <summary>
/// Whether the members may go on serving I/O on the configuration before a change while it is prepared, each switching
/// to the new one when told to commit. They switch at different moments, so for a while some serve the old layout and
/// some the new: that is sound only when a read on either side finds every write the other side acknowledged — every
/// plex read on one side is written on the other, at the same places — and a node's dirty region log covers the same
/// writes. A change that takes a plex out of the reads or writes (detach, remove a mirror), moves a plex's data
/// (relocation) or changes its log keeps the groups frozen from prepare to commit instead.
/// </summary>
public static class ServedAcrossChange
{
    public static bool Holds(NodeDatabase before, NodeDatabase after, IEnumerable<string> groups)
    {
        foreach (var name in groups)
            if (before.Find(name) is { } old && after.Find(name) is { } now && now.Id == old.Id && !Holds(old, now)) return false;
        return true;
    }

    /// <summary>Volumes created or removed need nothing: no one serves a new one before switching, and a removed one's space is reused only by a later change.</summary>
    private static bool Holds(DiskGroup before, DiskGroup after)
    {
        var kept = new HashSet<Volume>(after.Volumes, ReferenceEqualityComparer.Instance);
        var unchanged = new HashSet<Volume>(before.Volumes, ReferenceEqualityComparer.Instance);
        var changed = after.Volumes.Where(v => !unchanged.Contains(v)).ToDictionary(v => v.Name, StringComparer.Ordinal);
        foreach (var volume in before.Volumes)
            if (!kept.Contains(volume) && changed.TryGetValue(volume.Name, out var next) && !Continuous(volume, next)) return false;
        return true;
    }

    private static bool Continuous(Volume before, Volume after)
    {
        var common = Math.Min(before.SizeBytes, after.SizeBytes);
        return Covers(before.ActivePlexes, Written(after), common) && Covers(after.ActivePlexes, Written(before), common) && SameLog(before, after);
    }

    /// <summary>Writes reach the active plexes and the stale ones being brought up to date.</summary>
    private static List<Plex> Written(Volume volume) => [.. volume.Plexes.Where(p => p.IsActive || p.State == PlexStates.Stale)];

    private static bool Covers(IEnumerable<Plex> read, List<Plex> written, long common) =>
        read.All(r => written.FirstOrDefault(w => NameRules.Same(w.Name, r.Name)) is { } w && Extents(r, common).SequenceEqual(Extents(w, common)));

    /// <summary>With one active plex at most there is nothing a log would recover (a stale plex is copied whole).</summary>
    private static bool SameLog(Volume before, Volume after) => after.ActivePlexes.Count() < 2
        || DirtyRegions.Logs(before) == DirtyRegions.Logs(after) && DirtyRegions.LogDisk(before) == DirtyRegions.LogDisk(after);

    /// <summary>Where the plex's first <paramref name="limit"/> bytes live, as runs of disk space (adjacent subdisks joined).</summary>
    private static List<(string Disk, long Offset, long Length)> Extents(Plex plex, long limit)
    {
        var runs = new List<(string Disk, long Offset, long Length)>();
        long start = 0;
        foreach (var subdisk in plex.Subdisks)
        {
            if (start >= limit) break;
            var length = Math.Min(subdisk.Length, limit - start);
            if (runs.Count > 0 && runs[^1] is var last && last.Disk == subdisk.Disk && last.Offset + last.Length == subdisk.Offset)
                runs[^1] = last with { Length = last.Length + length };
            else runs.Add((subdisk.Disk, subdisk.Offset, length));
            start += subdisk.Length;
        }
        return runs;
    }
}
