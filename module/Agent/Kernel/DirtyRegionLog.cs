using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// This node's dirty region logs (<see cref="DirtyRegions"/>): <see cref="Mark"/> makes a write's regions durably dirty
/// in the node's slot on the volume's log disk before the write reaches the plexes; <see cref="CleanAsync"/> clears,
/// lazily, regions idle for a while once their writes are flushed on every plex. A slot left by this node's previous
/// run is kept (its entries written along with the new ones) until the recovery that copies its regions releases it.
/// Writes are group-committed: a writer that needs a region marked waits for the slot's next durable write, and one
/// write carries every mark made meanwhile (one fsync for many writers at a high queue depth).
/// The node's slot on each disk is found by name when the disk is first used (<see cref="DirtyRegions.SlotFor"/>), from
/// the nodes <paramref name="defined"/> names, so it stays put when another node is removed for good.
/// </summary>
public sealed class DirtyRegionLog(string node, Func<IReadOnlyList<string>> defined, Guid incarnation, Func<NodeDatabase> database, Func<string, string> pathOf) : IDisposable
{
    private readonly Dictionary<string, DiskLog> disks = new(StringComparer.Ordinal);
    private readonly object sync = new();
    private volatile Plans? plans;

    public Guid Incarnation => incarnation;

    /// <summary>The log of one volume on this node, and the slot version whose durable write makes each dirty region's mark safe to rely on.</summary>
    private sealed class VolumeLog(DirtyRegionBook book)
    {
        public readonly DirtyRegionBook Book = book;
        public readonly Dictionary<long, long> MarkedIn = [];
    }

    private static TimeSpan Now => TimeSpan.FromMilliseconds(Environment.TickCount64);

    /// <summary>One disk's slot of this node: the volumes logged there, what the previous run left, the device kept open.</summary>
    private sealed class DiskLog(string name)
    {
        public readonly string Name = name;
        public readonly object Sync = new();
        public readonly Dictionary<(Guid, string, int), VolumeLog> Volumes = [];
        public Dictionary<(Guid, string), DirtyEntry> Inherited = [];
        public bool InheritedOverflow;
        public bool Loaded;
        public int Slot;
        public DiskDevice? Device;
        /// <summary>Bumped by every change the slot must show; <see cref="Durable"/> is the version last written durably.</summary>
        public long Version;
        public long Durable;
        public bool Flushing;
        public long FailedVersion = -1;
        public IOException? Failure;
    }

    private sealed record Plan(IReadOnlyList<string> Disks, Guid Group, string Volume, int RegionBytes, long Regions);

    private sealed record Plans(NodeDatabase Database, Dictionary<(string, string), Plan?> ByVolume);

    /// <summary>Marks the regions of a write durably dirty; the returned mark, disposed when the write is done, lets them be cleaned. Null when the volume keeps no log.</summary>
    public IDisposable? Mark(string diskGroup, string volume, long offset, long length)
    {
        if (PlanOf(diskGroup, volume) is not { } plan) return null;
        for (var i = 0; ; i++)
        {
            try { return Mark(Disk(plan.Disks[i]), plan, offset, length); }
            catch (IOException) when (i + 1 < plan.Disks.Count) { }   // a failing log disk: the next disk of the volume takes the marks
        }
    }

    private Marked Mark(DiskLog disk, Plan plan, long offset, long length)
    {
        var (first, last) = DirtyRegions.RegionsOf(offset, length, plan.RegionBytes);
        lock (disk.Sync)
        {
            Load(disk);
            var log = VolumeOf(disk, plan);
            var fresh = log.Book.Begin(first, last, Now);
            if (fresh.Count > 0) disk.Version++;
            foreach (var r in fresh) log.MarkedIn[r] = disk.Version;
            var needed = 0L;
            for (var r = first; r <= last; r++) needed = Math.Max(needed, log.MarkedIn.GetValueOrDefault(r));
            var marked = new Marked(disk, log, first, last);
            try { WaitDurable(disk, needed); }
            catch
            {
                // Not durable here: not marked here either (the next disk takes them).
                foreach (var r in fresh) { log.Book.Dirty.Remove(r); log.MarkedIn.Remove(r); }
                marked.Dispose();
                throw;
            }
            return marked;
        }
    }

    private sealed class Marked(DiskLog disk, VolumeLog log, long first, long last) : IDisposable
    {
        private int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 1) return;
            lock (disk.Sync) log.Book.End(first, last, Now);
        }
    }

    /// <summary>
    /// Clears regions idle for <see cref="DirtyRegions.IdleBeforeClean"/>: picks them, has <paramref name="flush"/> make every write
    /// so far durable on the volume's plexes, then clears those still idle and not written since the pick.
    /// </summary>
    public async Task CleanAsync(Func<string, string, CancellationToken, ValueTask> flush, CancellationToken ct)
    {
        var db = database();
        foreach (var disk in DisksNow())
        {
            List<(VolumeLog Log, long[] Regions, TimeSpan PickedAt)> picked;
            lock (disk.Sync) picked = Idle(disk);
            if (picked.Count == 0) continue;
            foreach (var (log, _, _) in picked)
                if (GroupName(db, log.Book.Group) is { } group && db.Find(group)?.FindVolume(log.Book.Volume) is not null) await flush(group, log.Book.Volume, ct);
            lock (disk.Sync)
            {
                var cleared = 0;
                foreach (var (log, regions, pickedAt) in picked)
                    foreach (var r in log.Book.Clear(regions, pickedAt))
                    {
                        log.MarkedIn.Remove(r);
                        cleared++;
                    }
                if (cleared > 0) WriteNow(disk);
            }
        }
    }

    /// <summary>
    /// Writes every slot this node uses again, as it stands. After this node rejoins, a coordinator that recovered
    /// its regions while it was away may clear its slot late (it checked the node was not back just before the node
    /// was admitted); the marks made since then are written back.
    /// </summary>
    public void Rewrite()
    {
        foreach (var disk in DisksNow())
            lock (disk.Sync)
                if (disk.Loaded && disk.Volumes.Count > 0)
                {
                    try { WriteNow(disk); }
                    catch (IOException) { }   // a failing log disk: the marks' own writes report it
                }
    }

    /// <summary>What this node's previous run left in its slot on <paramref name="diskName"/> (read once, on first use of the disk).</summary>
    public (List<DirtyEntry> Entries, bool Overflow) Inherited(string diskName)
    {
        var disk = Disk(diskName);
        lock (disk.Sync)
        {
            Load(disk);
            return ([.. disk.Inherited.Values], disk.InheritedOverflow);
        }
    }

    /// <summary>The previous run's entry for a volume is copied: it is dropped from the slot.</summary>
    public void ReleaseInherited(string diskName, Guid group, string volume, bool overflow)
    {
        var disk = Disk(diskName);
        lock (disk.Sync)
        {
            var removed = disk.Inherited.Remove((group, volume));
            if (overflow) disk.InheritedOverflow = false;
            if (removed || overflow) WriteNow(disk);
        }
    }

    private static List<(VolumeLog, long[], TimeSpan)> Idle(DiskLog disk)
    {
        var now = Now;
        return disk.Volumes.Values.Select(log => (log, log.Book.Idle(now), now)).Where(p => p.Item2.Length > 0).ToList();
    }

    /// <summary>Reads the disk's slots once: this node's slot is found, and what a previous run of this node wrote there is inherited.</summary>
    private void Load(DiskLog disk)
    {
        if (disk.Loaded) return;
        var headers = DirtyRegionSlot.DecodeArea(Device(disk).Read(DirtyRegionSlot.AreaOffset, DirtyRegionSlot.AreaSize));
        disk.Slot = DirtyRegions.SlotFor(node, defined(), headers)
            ?? throw new IOException($"every dirty region log slot on disk {disk.Name} holds another node's log.");
        var content = headers[disk.Slot];
        if (content is not null && content.Node == node && content.Incarnation != incarnation)
        {
            disk.Inherited = content.Entries.ToDictionary(e => e.Key);
            disk.InheritedOverflow = content.Overflow;
        }
        disk.Loaded = true;
    }

    /// <summary>The slot as it stands now, durable before the caller goes on (the caller holds the disk's lock).</summary>
    private void WriteNow(DiskLog disk) => WaitDurable(disk, ++disk.Version);

    /// <summary>
    /// Waits, holding the disk's lock except while writing, until the slot's version <paramref name="needed"/> is
    /// durable: the first waiter writes the slot as it stands then (every mark made so far), the others wait for that
    /// write or, if theirs came after it started, the next one. A failed write fails everyone it was to carry.
    /// </summary>
    private void WaitDurable(DiskLog disk, long needed)
    {
        while (disk.Durable < needed)
        {
            if (disk.FailedVersion >= needed) throw disk.Failure!;
            if (disk.Flushing) { Monitor.Wait(disk.Sync); continue; }
            Flush(disk);
        }
    }

    private void Flush(DiskLog disk)
    {
        disk.Flushing = true;
        var version = disk.Version;
        var bytes = Encode(disk);
        IOException? failure = null;
        Monitor.Exit(disk.Sync);
        try { Write(disk, bytes); }
        catch (IOException e) { failure = e; }
        finally
        {
            Monitor.Enter(disk.Sync);
            disk.Flushing = false;
        }
        if (failure is null) disk.Durable = Math.Max(disk.Durable, version);
        else (disk.FailedVersion, disk.Failure) = (version, failure);
        Monitor.PulseAll(disk.Sync);
    }

    /// <summary>The slot's bytes as it must stand now: this run's dirty regions and what the previous run left.</summary>
    private byte[] Encode(DiskLog disk)
    {
        Load(disk);
        var books = disk.Volumes.Values.Select(v => v.Book).ToList();
        return DirtyRegionSlot.Encode(new DirtyRegionLogContent(node, incarnation, DirtyRegionBook.SlotEntries(books, disk.Inherited.Values), disk.InheritedOverflow),
            DirtyRegionBook.RegionCounts(books));
    }

    /// <summary>Writes the slot synced (O_DSYNC); only the one flusher of the disk calls it, outside the disk's lock.</summary>
    private void Write(DiskLog disk, byte[] bytes)
    {
        try { Device(disk).WriteDurably(DirtyRegionSlot.OffsetOf(disk.Slot), bytes); }
        catch (IOException)
        {
            disk.Device?.Dispose();   // the disk may have moved (a rescan opens it elsewhere): one more try on a fresh handle
            disk.Device = null;
            try { Device(disk).WriteDurably(DirtyRegionSlot.OffsetOf(disk.Slot), bytes); }
            catch (IOException e)
            {
                throw new VolumeIoException(VolumeIoFailure.DiskError, Engine.Checks.ErrorIds.VolumeIoFailed,
                    $"the dirty region log of node {node} on disk {disk.Name} cannot be written: {e.Message}", e);
            }
        }
    }

    private DiskDevice Device(DiskLog disk) => disk.Device ??= DiskDevice.Open(pathOf(disk.Name), write: true);

    private static VolumeLog VolumeOf(DiskLog disk, Plan plan)
    {
        var key = (plan.Group, plan.Volume, plan.RegionBytes);
        if (!disk.Volumes.TryGetValue(key, out var log)) disk.Volumes[key] = log = new VolumeLog(new DirtyRegionBook(plan.Group, plan.Volume, plan.RegionBytes, plan.Regions));
        return log;
    }

    private DiskLog Disk(string name)
    {
        lock (sync)
        {
            if (!disks.TryGetValue(name, out var disk)) disks[name] = disk = new DiskLog(name);
            return disk;
        }
    }

    private List<DiskLog> DisksNow()
    {
        lock (sync) return [.. disks.Values];
    }

    private Plan? PlanOf(string diskGroup, string volume)
    {
        var db = database();
        var current = plans;
        if (current is null || !ReferenceEquals(current.Database, db)) plans = current = new Plans(db, []);
        lock (current.ByVolume)
        {
            if (current.ByVolume.TryGetValue((diskGroup, volume), out var known)) return known;
            var group = db.Find(diskGroup);
            var found = group?.FindVolume(volume);
            Plan? plan = null;
            if (group is not null && found is not null && DirtyRegions.Logs(found) && DirtyRegions.LogDisks(found) is { Count: > 0 } logDisks)
            {
                var regionBytes = DirtyRegions.RegionBytes(found.SizeBytes);
                plan = new Plan(logDisks, group.Id, found.Name, regionBytes, DirtyRegions.RegionCount(found.SizeBytes, regionBytes));
            }
            return current.ByVolume[(diskGroup, volume)] = plan;
        }
    }

    private static string? GroupName(NodeDatabase db, Guid id) => db.All.FirstOrDefault(g => g.Id == id)?.Name;

    public void Dispose()
    {
        foreach (var disk in DisksNow())
            lock (disk.Sync) disk.Device?.Dispose();
    }
}
