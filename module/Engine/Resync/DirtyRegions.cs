using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Engine.Resync;

/// <summary>
/// The dirty region log's rules, free of I/O: which volumes keep one, on which disk, how big a region is, and after
/// a node went away with writes in flight, who copies what.
/// <list type="number">
/// <item>A volume with <see cref="VolumeLogs.Drl"/> and two or more plexes keeps a log; its bitmap is written on the
/// first disk (by name) of its attached plexes, in the slot of each writing node; when that disk cannot be written (it
/// is failing), on the next one — recovery reads the slots of every disk of the volume.</item>
/// <item>A region is the smallest power of two of at least 512 KiB that keeps the bitmap within 4,096 regions.</item>
/// <item>A node marks a region durably before any write to it reaches a plex, and clears it only after the region's
/// writes are flushed on every plex, none is in flight, every plex that missed one is detached, and none came for
/// <see cref="IdleBeforeClean"/> (so a set bit covers every write that may differ).</item>
/// <item>The dirty regions a node left behind are copied from the volume's first active plex to its other plexes: by
/// the coordinating node (master or owner) once the node is no longer a joined member, or by the node itself when
/// its agent starts again and finds its previous run's log still there. A mirror without a log is copied whole
/// when a node went down (the coordinator cannot know what that node was writing): see <see cref="WholeRecoveryWatch"/>.</item>
/// <item>A node's slot on a disk is the one whose header names it; a node with none there takes, in the order of the
/// cluster definition, the first slot that is blank or holds a clean log of a node no longer defined. So removing a node
/// for good never moves another node's slot, and no node ever writes (or reads as its own) another node's bitmap.</item>
/// <item>TRIM and WRITE_ZEROES change a plex's bytes like a write: they are logged like one.</item>
/// </list>
/// </summary>
public static class DirtyRegions
{
    public const int MinRegionBytes = 512 * 1024;
    public const int MaxRegions = 4096;

    /// <summary>How long a region stays dirty after its last write before it may be cleared (rule 3).</summary>
    public static readonly TimeSpan IdleBeforeClean = TimeSpan.FromSeconds(1);

    /// <summary>Whether writes to the volume are logged (rule 1).</summary>
    public static bool Logs(Model.Volume volume) => volume.Log == VolumeLogs.Drl && volume.Plexes.Count >= 2;

    /// <summary>Whether a node's death leaves the volume's plexes possibly different, to be copied whole (rule 4).</summary>
    public static bool NeedsFullRecovery(Model.Volume volume) => volume.Log != VolumeLogs.Drl && volume.Plexes.Count >= 2 && volume.ActivePlexes.Any();

    /// <summary>The disk whose private region holds the volume's bitmaps (rule 1).</summary>
    public static string? LogDisk(Model.Volume volume) => LogDisks(volume).FirstOrDefault();

    /// <summary>Where the bitmaps may go, in order: the disks of the attached plexes (a detached plex's disk failed), else any (rule 1).</summary>
    public static IReadOnlyList<string> LogDisks(Model.Volume volume) =>
        volume.AttachedDiskNames.ToList() is { Count: > 0 } attached ? attached : [.. volume.DiskNames];

    /// <summary>The region size of a volume of <paramref name="volumeBytes"/> (rule 2).</summary>
    public static int RegionBytes(long volumeBytes)
    {
        var region = (long)MinRegionBytes;
        while (region * MaxRegions < volumeBytes) region *= 2;
        return (int)Math.Min(region, 1 << 30);
    }

    public static long RegionCount(long volumeBytes, int regionBytes) => (volumeBytes + regionBytes - 1) / regionBytes;

    /// <summary>The first and last region a write of <paramref name="length"/> bytes at <paramref name="offset"/> touches.</summary>
    public static (long First, long Last) RegionsOf(long offset, long length, int regionBytes) =>
        (offset / regionBytes, (offset + Math.Max(1, length) - 1) / regionBytes);

    /// <summary>The plex a recovery copies from: the volume's first active plex; null when it has none (nothing to copy from).</summary>
    public static Plex? Source(Model.Volume volume) => volume.ActivePlexes.FirstOrDefault();

    /// <summary>The plexes a recovery writes: every plex writes reach but the source (a stale one too: it is written like the others; no other state).</summary>
    public static IEnumerable<Plex> Targets(Model.Volume volume, Plex source) =>
        volume.Plexes.Where(p => !NameRules.Same(p.Name, source.Name) && (p.IsActive || p.State == PlexStates.Stale));

    /// <summary>
    /// The byte ranges to copy for <paramref name="entry"/> on a volume of <paramref name="volumeBytes"/>: runs of
    /// dirty regions, cut at <paramref name="chunkBytes"/>, ending at the volume's end; the whole volume for a whole entry
    /// or one whose region size is not the volume's (it was resized since).
    /// </summary>
    public static List<(long Offset, int Length)> Ranges(DirtyEntry entry, long volumeBytes, int chunkBytes)
    {
        var ranges = new List<(long, int)>();
        if (entry.Whole || entry.RegionBytes != RegionBytes(volumeBytes)) { Cut(0, volumeBytes, chunkBytes, ranges); return ranges; }
        var regions = entry.Regions.Order().Distinct().ToList();
        for (var i = 0; i < regions.Count;)
        {
            var j = i;
            while (j + 1 < regions.Count && regions[j + 1] == regions[j] + 1) j++;
            var start = regions[i] * entry.RegionBytes;
            Cut(start, Math.Min(volumeBytes, (regions[j] + 1) * entry.RegionBytes), chunkBytes, ranges);
            i = j + 1;
        }
        return ranges;
    }

    /// <summary>
    /// A recovery of another node's slot does not clear it when its writer is a joined member again (it was cut off,
    /// not crashed, and came back with the same run): it writes that slot itself again, and a clear landing after its
    /// new marks would drop them, so a later crash of it would leave a mirror's regions different and unrecovered
    /// (simulation seed 702646). Nor when it was seen joined since the recovery read the slot (<paramref name="seenJoined"/>):
    /// back, it may have marked and written a region the recovery had already copied, then gone again with the same run
    /// (seed 135323); the slot, left as it is, is recovered again. The copy was made all the same; the writer's own
    /// cleaner clears what it no longer needs.
    /// </summary>
    public static bool WriterIsBack(string writer, IEnumerable<(string Name, MemberState State)> members, DateTimeOffset? seenJoined, DateTimeOffset recoveryStarted) =>
        seenJoined >= recoveryStarted || members.Any(m => m.Name == writer && m.State == MemberState.Joined);

    /// <summary>Whether this node recovers the log a slot holds for <paramref name="writer"/> (rule 4).</summary>
    /// <param name="writerJoined">The writer is a joined member now.</param>
    /// <param name="slotIncarnation">The run of the writer's agent that wrote the slot.</param>
    /// <param name="ownIncarnation">This node's agent's run.</param>
    public static bool Recovers(string self, string writer, bool coordinates, bool writerJoined, Guid slotIncarnation, Guid ownIncarnation) =>
        writer == self ? slotIncarnation != ownIncarnation : coordinates && !writerJoined;

    /// <summary>Whether a dirty region may be cleared (rule 3): no write to it in flight, and none for <see cref="IdleBeforeClean"/>.</summary>
    public static bool Clearable(bool inFlight, TimeSpan sinceLastWrite) => !inFlight && sinceLastWrite >= IdleBeforeClean;

    /// <summary>
    /// The slot <paramref name="node"/> writes its log to on a disk whose slots hold <paramref name="headers"/> (null: blank
    /// or damaged), given the nodes <paramref name="defined"/> in the cluster definition's order (rule 5); null when every
    /// slot is taken. Nodes without a slot yet are placed in definition order, so every node reckons the same places.
    /// </summary>
    public static int? SlotFor(string node, IReadOnlyList<string> defined, IReadOnlyList<DirtyRegionLogContent?> headers)
    {
        for (var slot = 0; slot < headers.Count; slot++)
            if (headers[slot]?.Node == node) return slot;
        var taken = new bool[Math.Max(headers.Count, DirtyRegionSlot.Slots)];
        var placed = new HashSet<string>(StringComparer.Ordinal);
        for (var slot = 0; slot < headers.Count; slot++)
            if (headers[slot] is { } header && (defined.Contains(header.Node) || header.Entries.Count > 0 || header.Overflow))
            {
                taken[slot] = true;
                placed.Add(header.Node);
            }
        var next = 0;
        foreach (var other in defined.Where(n => !placed.Contains(n)).Append(node).Distinct())
        {
            while (next < taken.Length && taken[next]) next++;
            if (next == taken.Length) return null;
            if (other == node) return next;
            taken[next] = true;
        }
        return null;
    }

    private static void Cut(long start, long end, int chunkBytes, List<(long, int)> into)
    {
        for (var at = start; at < end; at += chunkBytes) into.Add((at, (int)Math.Min(chunkBytes, end - at)));
    }
}
