using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Simulation;

/// <summary>
/// The agent's RecoveryService in the simulator: after a node went away with writes in flight, each joined node copies
/// what <see cref="DirtyRegions"/> says it copies — its own previous run's dirty regions, or (coordinating the group)
/// those a node that is not a joined member left — and the mirrors without a log that <see cref="WholeRecoveryWatch"/>
/// owes, from <see cref="DirtyRegions.Source"/> to <see cref="DirtyRegions.Targets"/>, one range
/// (<see cref="DirtyRegions.Ranges"/>) per step through the group's gate. A crash loses the copy under way; the slot
/// entry stays until a copy of it finishes. When one finishes, the blocks it copied must agree (invariant 8).
/// </summary>
public sealed class SimRecovery(Simulator sim)
{
    private readonly Dictionary<(string Node, int Incarnation), Run> runs = [];

    private sealed class Run(string node)
    {
        public readonly Dictionary<string, Job> Jobs = new(StringComparer.Ordinal);
        public readonly WholeRecoveryWatch Whole = new(node);
    }

    private sealed record Job(string Key, Guid GroupId, string Group, string Volume, string ForNode, DirtyEntry Entry, Action? Release, TimeSpan Started)
    {
        public List<(long Offset, int Length)>? Ranges;
        public int Next;
    }

    /// <summary>A broken rule to prove invariant 8 can fail: nothing is ever recovered.</summary>
    public bool CopyNothing { get; set; }

    /// <summary>Copies of dirty regions finished, and of whole mirrors without a log.</summary>
    public int RegionRecoveries { get; private set; }
    public int WholeRecoveries { get; private set; }

    /// <summary>
    /// Recoveries under way on running nodes of the cluster: a node removed for good copies nothing more (its agent
    /// is Left), and the coordinator recovers the regions its slot holds as it does any departed node's.
    /// </summary>
    public int Running => runs.Where(r => sim.Node(r.Key.Node) is var node && node.Incarnation == r.Key.Incarnation && node.Running && sim.InCluster(node)).Sum(r => r.Value.Jobs.Count);

    /// <summary>One copy step of a joined node, after a look for what to recover when <paramref name="look"/> (the agent looks every 250 ms).</summary>
    internal void Step(SimNode node, bool look)
    {
        if (CopyNothing || node.Machine is not { Phase: NodePhase.Joined } machine) return;
        if (!runs.TryGetValue((node.Name, node.Incarnation), out var run)) runs[(node.Name, node.Incarnation)] = run = new Run(node.Name);
        var db = machine.Database;
        if (look) Look(node, machine, run);
        foreach (var job in run.Jobs.Values.ToList()) CopyStep(node, db, run, job);
    }

    private void Look(SimNode node, NodeMachine machine, Run run)
    {
        var db = machine.Database;
        var coordinated = db.All.Where(g => g.Shared ? machine.IsMaster : g.Owner == node.Name).ToList();
        var joined = machine.Members.Where(m => m.State == MemberState.Joined).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var down = machine.Members.Where(m => m.State == MemberState.Down).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        ScanOwn(node, db, run);
        ScanOthers(node, coordinated, joined, run);
        foreach (var owed in run.Whole.Next(coordinated, down, machine.Members.ToDictionary(m => m.Name, m => m.ProcessId, StringComparer.Ordinal)))
            Start(run, new Job($"recovery/{owed.Group.Id:N}/{owed.Volume.Name}/{owed.ForNode}/whole", owed.Group.Id, owed.Group.Name, owed.Volume.Name,
                owed.ForNode, new DirtyEntry(owed.Group.Id, owed.Volume.Name, 0, [], Whole: true), null, sim.Elapsed));
    }

    private void ScanOwn(SimNode node, NodeDatabase db, Run run)
    {
        foreach (var group in db.All)
            foreach (var volume in group.Volumes.Where(DirtyRegions.Logs))
                foreach (var disk in volume.DiskNames)
                    foreach (var entry in sim.Drl.Inherited(node, disk).Where(e => e.GroupId == group.Id && e.Volume == volume.Name).ToList())
                        Start(run, new Job($"recovery/{group.Id:N}/{volume.Name}/{node.Name}/{disk}", group.Id, group.Name, volume.Name, node.Name, entry,
                            () => sim.Drl.ReleaseInherited(node, disk, group.Id, volume.Name), sim.Elapsed));
    }

    private void ScanOthers(SimNode node, List<DiskGroup> coordinated, HashSet<string> joined, Run run)
    {
        var self = SimDirtyRegions.IncarnationOf(node);
        foreach (var group in coordinated)
            foreach (var volume in group.Volumes.Where(DirtyRegions.Logs))
                foreach (var disk in volume.DiskNames)
                    foreach (var (slot, content) in sim.Drl.Logs(disk).ToList())
                    {
                        if (content.Node == node.Name || !DirtyRegions.Recovers(node.Name, content.Node, true, joined.Contains(content.Node), content.Incarnation, self)) continue;
                        if (content.Entries.FirstOrDefault(e => e.GroupId == group.Id && e.Volume == volume.Name) is not { } entry) continue;
                        var (writer, incarnation, read) = (content.Node, content.Incarnation, sim.Now);
                        Start(run, new Job($"recovery/{group.Id:N}/{volume.Name}/{writer}/{disk}", group.Id, group.Name, volume.Name, writer, entry,
                            () =>
                            {
                                if (node.Machine is { } m && !DirtyRegions.WriterIsBack(writer, m.Members.Select(x => (x.Name, x.State)), m.SeenJoined(writer), read))
                                    sim.Drl.ClearOthers(disk, slot, writer, incarnation, group.Id, volume.Name);
                            },
                            sim.Elapsed));
                    }
    }

    private void Start(Run run, Job job)
    {
        if (run.Jobs.TryAdd(job.Key, job))
            sim.Trace.Add(sim.Elapsed, $"recovery {job.Key} starts: {(job.Entry.Whole ? "the whole volume" : $"{job.Entry.Regions.Count} dirty regions")}");
    }

    /// <summary>One range of a recovery, in the group's gate (a closed gate waits); the last one releases the slot entry.</summary>
    private void CopyStep(SimNode node, NodeDatabase db, Run run, Job job)
    {
        if (db.All.FirstOrDefault(g => g.Id == job.GroupId) is not { } group || group.FindVolume(job.Volume) is not { } volume)
        {
            run.Jobs.Remove(job.Key);   // the volume is gone: nothing to copy
            return;
        }
        if (node.Kernel.Closed(group.Name)) return;
        if (DirtyRegions.Source(volume) is not { } source) { run.Jobs.Remove(job.Key); return; }   // nothing to copy from: failed, found again later
        job.Ranges ??= DirtyRegions.Ranges(job.Entry, volume.SizeBytes, ResyncRules.ChunkBytes);
        if (job.Next < job.Ranges.Count)
        {
            var (offset, length) = job.Ranges[job.Next++];
            foreach (var target in DirtyRegions.Targets(volume, source)) sim.Data.Copy(volume, source, target, offset, length);
            if (job.Next < job.Ranges.Count) return;
        }
        run.Jobs.Remove(job.Key);
        job.Release?.Invoke();
        if (job.Entry.Whole && job.Release is null) WholeRecoveries++; else RegionRecoveries++;
        sim.Trace.Add(sim.Elapsed, $"{node.Name} finished recovery {job.Key} ({job.Ranges.Count} ranges)");
        sim.Data.CheckRecovered(node, group, volume, job.Ranges, job.Started);
    }
}
