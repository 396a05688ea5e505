using VolumeManager.Engine.Model;
using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Simulation;

/// <summary>
/// The dirty region log in the simulator, by the rules the agent's DirtyRegionLog follows (<see cref="DirtyRegions"/>):
/// a write to a logged mirror marks its regions durably in the writer's slot (found by <see cref="DirtyRegions.SlotFor"/>,
/// stored as <see cref="DirtyRegionSlot"/> writes it) before it reaches a plex; the mark is held until the write is
/// settled and cleared once the region is <see cref="DirtyRegions.Clearable"/>. The slots survive a crash, the marks in
/// memory do not; what a node's previous run left in its slot is kept in it until the recovery of it is done.
/// </summary>
public sealed class SimDirtyRegions(Simulator sim)
{
    /// <summary>Each written slot as read back from the bytes <see cref="DirtyRegionSlot"/> wrote (decoded once, when written).</summary>
    private readonly Dictionary<(string Disk, int Slot), DirtyRegionLogContent?> slots = [];
    private readonly Dictionary<(string Node, int Incarnation), Dictionary<string, DiskLog>> runs = [];

    /// <summary>One disk's slot in one run of a node.</summary>
    private sealed class DiskLog(string name, int slot)
    {
        public readonly string Name = name;
        public readonly int Slot = slot;
        public readonly Dictionary<(Guid, string), DirtyRegionBook> Volumes = [];
        public readonly Dictionary<(Guid, string), DirtyEntry> Inherited = [];
    }

    /// <summary>A write's marks, released when the write is settled.</summary>
    internal sealed class Mark
    {
        private readonly Simulator sim;
        private readonly DirtyRegionBook log;
        private readonly long first, last;
        private bool released;

        internal Mark(Simulator sim, DirtyRegionBook log, long first, long last) => (this.sim, this.log, this.first, this.last) = (sim, log, first, last);

        public void Release()
        {
            if (released) return;
            released = true;
            log.End(first, last, sim.Elapsed);
        }
    }

    /// <summary>Slot writes made (the durable marks and clears).</summary>
    public int SlotWrites { get; private set; }

    /// <summary>The run of a node's agent, as its slot header records it.</summary>
    public static Guid IncarnationOf(SimNode node) => new(node.Index + 1, 0, 0, BitConverter.GetBytes((long)node.Incarnation));

    /// <summary>
    /// Marks the regions of a write to <paramref name="volume"/> durably (rule 3); null when the volume keeps no log.
    /// <paramref name="failed"/>: no disk of the volume could take the marks, so the write fails (as the agent's does).
    /// </summary>
    internal Mark? Write(SimNode node, Guid group, Volume volume, long offset, long length, out bool failed)
    {
        failed = false;
        if (!DirtyRegions.Logs(volume)) return null;
        var regionBytes = DirtyRegions.RegionBytes(volume.SizeBytes);
        foreach (var diskName in DirtyRegions.LogDisks(volume).Where(d => Writable(node, d)))
        {
            if (Disk(node, diskName) is not { } disk) continue;
            var key = (group, volume.Name);
            if (!disk.Volumes.TryGetValue(key, out var log) || log.RegionBytes != regionBytes)
                disk.Volumes[key] = log = new DirtyRegionBook(group, volume.Name, regionBytes, DirtyRegions.RegionCount(volume.SizeBytes, regionBytes));
            var (first, last) = DirtyRegions.RegionsOf(offset, length, regionBytes);
            if (log.Begin(first, last, sim.Elapsed).Count > 0) Store(node, disk);
            return new Mark(sim, log, first, last);
        }
        failed = true;
        return null;
    }

    /// <summary>The lazy cleaner of one node (rule 3): regions idle long enough, with no write in flight, are cleared.</summary>
    internal void Clean(SimNode node)
    {
        if (!runs.TryGetValue((node.Name, node.Incarnation), out var disks)) return;
        foreach (var disk in disks.Values)
        {
            var cleared = disk.Volumes.Values.Sum(log => log.Clear(log.Idle(sim.Elapsed), sim.Elapsed).Count);
            if (cleared > 0 && Writable(node, disk.Name)) Store(node, disk);
        }
    }

    /// <summary>What this node's previous runs left in its slot on <paramref name="disk"/>, still to recover.</summary>
    internal IReadOnlyCollection<DirtyEntry> Inherited(SimNode node, string disk) =>
        Disk(node, disk) is { } log ? log.Inherited.Values : [];

    /// <summary>The previous run's entry for a volume is copied: it leaves the slot.</summary>
    internal void ReleaseInherited(SimNode node, string disk, Guid group, string volume)
    {
        if (Disk(node, disk) is { } log && log.Inherited.Remove((group, volume))) Store(node, log);
    }

    /// <summary>Every slot of a disk that holds entries, decoded.</summary>
    internal IEnumerable<(int Slot, DirtyRegionLogContent Content)> Logs(string disk)
    {
        for (var slot = 0; slot < DirtyRegionSlot.Slots; slot++)
            if (slots.TryGetValue((disk, slot), out var content) && content is { Entries.Count: > 0 })
                yield return (slot, content);
    }

    /// <summary>A coordinator copied another node's entry: it leaves that slot, unless the node's agent wrote the slot since.</summary>
    internal void ClearOthers(string disk, int slot, string writer, Guid incarnation, Guid group, string volume)
    {
        if (!slots.TryGetValue((disk, slot), out var content) || content is null) return;
        if (content.Node != writer || content.Incarnation != incarnation) return;
        Put(disk, slot, DirtyRegionSlot.EncodeWithout(content, group, volume));
    }

    /// <summary>Entries of the logged volumes of <paramref name="db"/> that are not the current marks of a running agent: what recoveries still owe.</summary>
    public int Unrecovered(NodeDatabase db)
    {
        var count = 0;
        foreach (var group in db.All)
            foreach (var volume in group.Volumes.Where(DirtyRegions.Logs))
                foreach (var disk in volume.DiskNames)
                    foreach (var (_, content) in Logs(disk))
                    {
                        var writer = sim.Nodes.FirstOrDefault(n => n.Name == content.Node);
                        // A node removed for good copies nothing more (its agent is Left, then stopped): what its slot holds is
                        // owed by the coordinator, as for a stopped run, whatever its own run had inherited.
                        if (writer is not { Running: true } || !sim.InCluster(writer) || IncarnationOf(writer) != content.Incarnation)
                            count += content.Entries.Count(e => e.GroupId == group.Id && e.Volume == volume.Name);
                        else if (runs.TryGetValue((writer.Name, writer.Incarnation), out var disks) && disks.TryGetValue(disk, out var log) && log.Inherited.ContainsKey((group.Id, volume.Name)))
                            count++;
                    }
        return count;
    }

    private bool Writable(SimNode node, string disk) =>
        !sim.Data.FailingDisks.Contains(disk) && !sim.Data.FailingPaths.Contains((node.Name, disk)) && !node.InvisibleDisks.Contains(disk);

    /// <summary>This run's log on a disk: on first use its slot is found and what a previous run left there inherited; null when no slot is free.</summary>
    private DiskLog? Disk(SimNode node, string name)
    {
        if (!runs.TryGetValue((node.Name, node.Incarnation), out var disks)) runs[(node.Name, node.Incarnation)] = disks = [];
        if (disks.TryGetValue(name, out var disk)) return disk;
        var headers = Enumerable.Range(0, DirtyRegionSlot.Slots).Select(s => slots.GetValueOrDefault((name, s))).ToList();
        if (DirtyRegions.SlotFor(node.Name, node.Definition.Select(p => p.Name).ToList(), headers) is not { } slot) return null;
        disks[name] = disk = new DiskLog(name, slot);
        if (headers[slot] is { } previous && previous.Node == node.Name && previous.Incarnation != IncarnationOf(node))
            foreach (var entry in previous.Entries) disk.Inherited[entry.Key] = entry;
        return disk;
    }

    /// <summary>The slot as it must stand now, written durably: this run's dirty regions and what a previous run left.</summary>
    private void Store(SimNode node, DiskLog disk)
    {
        Put(disk.Name, disk.Slot, DirtyRegionSlot.Encode(
            new DirtyRegionLogContent(node.Name, IncarnationOf(node), DirtyRegionBook.SlotEntries(disk.Volumes.Values, disk.Inherited.Values)),
            DirtyRegionBook.RegionCounts(disk.Volumes.Values)));
    }

    /// <summary>A durable slot write: what a later read of the slot finds is what the bytes decode to.</summary>
    private void Put(string disk, int slot, byte[] bytes)
    {
        slots[(disk, slot)] = DirtyRegionSlot.Decode(bytes);
        SlotWrites++;
    }
}
