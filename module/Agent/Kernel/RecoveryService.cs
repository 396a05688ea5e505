using VolumeManager.Engine.Model;
using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Kernel;

/// <summary>What the recovery service needs from the agent that hosts it.</summary>
public sealed record RecoveryHost(
    string Node,
    Func<NodeDatabase> Database,
    Func<DiskGroup, bool> Coordinates,
    Func<IReadOnlyList<(string Name, MemberState State, int ProcessId)>> Members,
    Func<string, DateTimeOffset?> SeenJoined,
    Func<string, CancellationToken, Task> Step,
    Action<string> Log);

/// <summary>
/// After a node went away with writes in flight, copies what may differ between the plexes of its volumes, as
/// <see cref="DirtyRegions"/> decide: the dirty regions its log holds, or the whole of a mirror without a log. Runs the
/// dirty region log's lazy cleaner too. Each recovery is a task (Kind Recovery) that Get-VmTask lists and
/// Suspend-VmTask, Resume-VmTask and Set-VmTask control; its position and control state are kept in the checkpoint
/// slot of the volume's log disk.
/// </summary>
public sealed class RecoveryService(RecoveryHost host, VolumeIo io, VolumeKernel kernel, ResyncCopier copier, DirtyRegionLog drl, TaskRegistry tasks)
{
    private const int CheckpointEvery = 4;
    private string? scanned;
    private readonly WholeRecoveryWatch whole = new(host.Node);
    private bool started;

    /// <summary>One recovery: the volume, whose log (or whole volume) it copies, and what to clear when it is done.</summary>
    private sealed record Job(string Key, string DiskGroup, Guid GroupId, string Volume, string ForNode, DirtyEntry Entry, string CheckpointDisk, Action? Release)
    {
        /// <summary>How many of its ranges are copied: the position kept in its checkpoint.</summary>
        public long Done;
    }

    public async Task RunAsync(TimeSpan period, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(period);
        var lastClean = Environment.TickCount64;
        while (await timer.WaitForNextTickAsync(ct))
        {
            try { Scan(ct); }
            catch (Exception e) when (e is not OperationCanceledException) { host.Log($"recovery scan: {e.Message}"); }   // tried again next round
            if (Environment.TickCount64 - lastClean < DirtyRegions.IdleBeforeClean.TotalMilliseconds / 2) continue;
            lastClean = Environment.TickCount64;
            try { await drl.CleanAsync((g, v, token) => io.FlushAsync(g, v, token), ct); }
            catch (Exception e) when (e is not OperationCanceledException) { host.Log($"dirty region log cleaner: {e.Message}"); }
        }
    }

    /// <summary>Starts what needs recovering: looked for at start, and again whenever the joined members or the groups this node coordinates change.</summary>
    private void Scan(CancellationToken ct)
    {
        var db = host.Database();
        var members = host.Members();
        var coordinated = db.All.Where(host.Coordinates).ToList();
        var joined = members.Where(m => m.State == MemberState.Joined).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var nowDown = members.Where(m => m.State == MemberState.Down).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var processes = members.ToDictionary(m => m.Name, m => m.ProcessId, StringComparer.Ordinal);
        // A member's process id is in it: one that crashed and joined again between two looks left writes in flight too.
        var signature = $"{string.Join(",", joined.Order().Select(n => $"{n}:{processes[n]}"))}|{string.Join(",", coordinated.Select(g => g.Name).Order())}";
        if (started && signature == scanned) return;
        ScanOwn(db, ct);
        ScanOthers(coordinated, joined, ct);
        foreach (var owed in whole.Next(coordinated, nowDown, processes)) RecoverWhole(owed, ct);
        ResumePersisted(coordinated, ct);
        scanned = signature;
        started = true;
    }

    /// <summary>This node's previous run left dirty regions in its own slots: it copies them itself (rule 4).</summary>
    private void ScanOwn(NodeDatabase db, CancellationToken ct)
    {
        foreach (var group in db.All)
            foreach (var volume in group.Volumes.Where(DirtyRegions.Logs))
                foreach (var disk in volume.DiskNames)
                {
                    var (entries, overflow) = drl.Inherited(disk);
                    foreach (var entry in entries.Where(e => e.GroupId == group.Id && e.Volume == volume.Name).Select(e => e)
                        .Concat(overflow && DirtyRegions.LogDisk(volume) == disk ? [new DirtyEntry(group.Id, volume.Name, 0, [], Whole: true)] : []))
                        Start(new Job($"recovery/{group.Id:N}/{volume.Name}/{host.Node}/{disk}", group.Name, group.Id, volume.Name, host.Node, entry,
                            DirtyRegions.LogDisk(volume)!, () => drl.ReleaseInherited(disk, group.Id, volume.Name, overflow)), ct);
                }
    }

    /// <summary>Other nodes' slots, on the coordinating node: a node that is not a joined member left its regions to copy.</summary>
    private void ScanOthers(List<DiskGroup> coordinated, HashSet<string> joined, CancellationToken ct)
    {
        var logs = new Dictionary<string, List<(int Slot, DirtyRegionLogContent Content)>>(StringComparer.Ordinal);
        foreach (var group in coordinated)
            foreach (var volume in group.Volumes.Where(DirtyRegions.Logs))
                foreach (var disk in volume.DiskNames)
                {
                    if (!logs.TryGetValue(disk, out var found)) logs[disk] = found = Slots(disk);
                    foreach (var (slot, content) in found)
                    {
                        if (!DirtyRegions.Recovers(host.Node, content.Node, true, joined.Contains(content.Node), content.Incarnation, drl.Incarnation)) continue;
                        if (content.Node == host.Node) continue;   // this node's own slot: ScanOwn
                        var entry = content.Entries.FirstOrDefault(e => e.GroupId == group.Id && e.Volume == volume.Name)
                            ?? (content.Overflow && DirtyRegions.LogDisk(volume) == disk ? new DirtyEntry(group.Id, volume.Name, 0, [], Whole: true) : null);
                        if (entry is null) continue;
                        var (writer, at, incarnation, read) = (content.Node, slot, content.Incarnation, Hosting.MonotonicClock.Now);   // the clock the machine stamps inputs with
                        Start(new Job($"recovery/{group.Id:N}/{volume.Name}/{writer}/{disk}", group.Name, group.Id, volume.Name, writer, entry,
                            DirtyRegions.LogDisk(volume)!, () => ClearOthers(disk, at, writer, incarnation, group.Id, volume.Name, read)), ct);
                    }
                }
    }

    /// <summary>A mirror without a log that a node (this one's previous run too) may have left different: copied whole (<see cref="WholeRecoveryWatch"/>).</summary>
    private void RecoverWhole(WholeRecovery owed, CancellationToken ct)
    {
        var (group, volume) = (owed.Group, owed.Volume);
        host.Log($"node {owed.ForNode} may have stopped with writes in flight: volume {group.Name}/{volume.Name} has no dirty region log, its plexes are copied whole");
        Start(new Job($"recovery/{group.Id:N}/{volume.Name}/{owed.ForNode}/whole", group.Name, group.Id, volume.Name, owed.ForNode,
            new DirtyEntry(group.Id, volume.Name, 0, [], Whole: true), DirtyRegions.LogDisk(volume)!, null), ct);
    }

    /// <summary>Whole-volume recoveries a previous coordinator left unfinished, from their checkpoints.</summary>
    private void ResumePersisted(List<DiskGroup> coordinated, CancellationToken ct)
    {
        foreach (var group in coordinated)
            foreach (var volume in group.Volumes.Where(v => v.Plexes.Count >= 2))
            {
                if (DirtyRegions.LogDisk(volume) is not { } disk) continue;
                var prefix = $"recovery/{group.Id:N}/{volume.Name}/";
                foreach (var (key, _) in ReadCheckpoints(disk).Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && p.Key.EndsWith("/whole", StringComparison.Ordinal)))
                {
                    var node = key[prefix.Length..^"/whole".Length];
                    Start(new Job(key, group.Name, group.Id, volume.Name, node, new DirtyEntry(group.Id, volume.Name, 0, [], Whole: true), disk, null), ct);
                }
            }
    }

    private void Start(Job job, CancellationToken ct)
    {
        if (tasks.Contains(job.Key)) return;
        var progress = ReadCheckpoints(job.CheckpointDisk).GetValueOrDefault(job.Key);
        var started = DateTimeOffset.UtcNow;
        var task = new ResyncTask
        {
            Id = progress is { Id.Length: > 0 } ? progress.Id : $"recovery-{job.DiskGroup}-{job.Volume}-{job.ForNode}-{started:HHmmssfff}",
            Kind = TaskKind.Recovery, Node = host.Node, ForNode = job.ForNode, DiskGroup = job.DiskGroup, Volume = job.Volume,
            State = ResyncState.Running, Started = started, Updated = started,
        };
        var control = new TaskControl(progress?.Suspended ?? false, false, progress?.MaxRateBytes ?? 0);
        var entry = new TaskEntry(task, control, e => Persist(job, e));
        if (!tasks.TryAdd(job.Key, entry)) return;
        job.Done = progress?.Done ?? 0;
        if (job.Release is null) entry.Persist();   // a whole-volume recovery is known only from here on: on disk before it starts
        _ = Task.Run(() => RunAsync(job, entry, job.Done, ct), CancellationToken.None);
    }

    private async Task RunAsync(Job job, TaskEntry entry, long resumeAt, CancellationToken ct)
    {
        var task = entry.Task;
        try
        {
            var state = await CopyAsync(job, entry, resumeAt, ct);
            if (state == ResyncState.Completed) job.Release?.Invoke();
            Finish(job, task, state, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e)
        {
            host.Log($"recovery of {job.DiskGroup}/{job.Volume} for node {job.ForNode} failed: {e.Message}");
            Finish(job, task, ResyncState.Failed, e.Message);
        }
    }

    private async Task<ResyncState> CopyAsync(Job job, TaskEntry entry, long resumeAt, CancellationToken ct)
    {
        var task = entry.Task;
        if (Find(job) is not { } first) return ResyncState.Cancelled;
        var ranges = DirtyRegions.Ranges(job.Entry, first.Volume.SizeBytes, ResyncRules.ChunkBytes);
        var regionBytes = job.Entry.Whole ? ResyncRules.ChunkBytes : job.Entry.RegionBytes;
        var total = ranges.Sum(r => (long)r.Length);
        var skipped = ranges.Take((int)Math.Min(resumeAt, ranges.Count)).Sum(r => (long)r.Length);
        tasks.Update(task, t =>
        {
            t.TotalBytes = total; t.DoneBytes = skipped; t.ResumedFrom = skipped;
            t.RegionsTotal = job.Entry.Whole ? ranges.Count : job.Entry.Regions.Distinct().Count();
            t.RegionsCopied = job.Entry.Whole ? resumeAt : 0;
        });
        host.Log($"recovery of {job.DiskGroup}/{job.Volume} for node {job.ForNode}: {(job.Entry.Whole ? "the whole volume" : $"{job.Entry.Regions.Count} dirty regions")}, {total} bytes");
        for (var i = (int)Math.Min(resumeAt, ranges.Count); i < ranges.Count; i++)
        {
            if (!await entry.Control.ReadyAsync(() => { entry.Persist(); host.Log($"recovery {task.Id} suspended"); }, ct)) return ResyncState.Stopped;
            await host.Step("RecoveryChunk", ct);
            var (offset, length) = ranges[i];
            var gate = kernel.Gate(job.DiskGroup);
            await gate.EnterAsync(ct);
            try
            {
                if (Find(job) is not { } now) return ResyncState.Cancelled;
                if (offset >= now.Volume.SizeBytes) continue;
                length = (int)Math.Min(length, now.Volume.SizeBytes - offset);
                copier.CopyToOthers(now.Volume, offset, length, from => tasks.NoteSides(task, now.Volume, from));
            }
            finally { gate.Exit(); }
            var copied = i + 1;
            job.Done = copied;
            tasks.Update(task, t =>
            {
                t.DoneBytes += length;
                t.RegionsCopied = job.Entry.Whole ? copied : Math.Min(t.RegionsTotal, (t.DoneBytes + regionBytes - 1) / regionBytes);
            });
            if (copied % CheckpointEvery == 0) entry.Persist();
            await entry.Control.ThrottleAsync(length, ct);
        }
        tasks.Update(task, t => t.RegionsCopied = t.RegionsTotal);
        return ResyncState.Completed;
    }

    private sealed record Found(DiskGroup Group, Volume Volume);

    private Found? Find(Job job)
    {
        var group = host.Database().All.FirstOrDefault(g => g.Id == job.GroupId);
        return group?.FindVolume(job.Volume) is { } volume ? new Found(group, volume) : null;
    }

    /// <summary>
    /// Clears the entry of <paramref name="writer"/>'s slot once copied, unless the writer's agent wrote the slot since
    /// (then that run copies it) or the writer has been a joined member since the slot was <paramref name="read"/>
    /// (<see cref="DirtyRegions.WriterIsBack"/>).
    /// </summary>
    private void ClearOthers(string disk, int slot, string writer, Guid incarnation, Guid group, string volume, DateTimeOffset read)
    {
        try
        {
            using var device = Storage.DiskDevice.Open(io.PathOf(disk), write: true);
            var content = DirtyRegionSlot.Decode(device.Read(DirtyRegionSlot.OffsetOf(slot), DirtyRegionSlot.Size));
            if (content is null || content.Node != writer || content.Incarnation != incarnation || DirtyRegions.WriterIsBack(writer, host.Members().Select(m => (m.Name, m.State)), host.SeenJoined(writer), read)) return;
            device.WriteDurably(DirtyRegionSlot.OffsetOf(slot), DirtyRegionSlot.EncodeWithout(content, group, volume));
        }
        catch (IOException e) { host.Log($"could not clear node {writer}'s dirty region log on disk {disk}: {e.Message}"); }
    }

    /// <summary>The logs in a disk's slots that hold any (one read of the area, each slot decoded once).</summary>
    private List<(int, DirtyRegionLogContent)> Slots(string disk)
    {
        byte[] area;
        try
        {
            using var device = Storage.DiskDevice.Open(io.PathOf(disk));
            area = device.Read(DirtyRegionSlot.AreaOffset, DirtyRegionSlot.AreaSize);
        }
        catch (IOException e) { host.Log($"cannot read the dirty region logs on disk {disk}: {e.Message}"); return []; }
        var found = new List<(int, DirtyRegionLogContent)>();
        foreach (var (content, slot) in DirtyRegionSlot.DecodeArea(area).Select((c, i) => (c, i)))
            if (content is not null && (content.Entries.Count > 0 || content.Overflow)) found.Add((slot, content));
        return found;
    }

    private Dictionary<string, ResyncProgress> ReadCheckpoints(string disk)
    {
        try { return copier.ReadCheckpoints(disk); }
        catch (IOException) { return []; }
    }

    private void Persist(Job job, TaskEntry entry)
    {
        copier.WriteCheckpoint(job.CheckpointDisk, job.Key, new ResyncProgress(job.Done, entry.Task.Id, TaskKind.Recovery, entry.Control.Suspended, false, entry.Control.MaxRateBytes));
    }

    private void Finish(Job job, ResyncTask task, ResyncState state, string? error)
    {
        if (state is ResyncState.Completed or ResyncState.Cancelled)
        {
            try { copier.WriteCheckpoint(job.CheckpointDisk, job.Key, null); }
            catch (IOException e) { host.Log($"could not clear the recovery checkpoint on disk {job.CheckpointDisk}: {e.Message}"); }
        }
        tasks.Finish(job.Key, task, state, error);
        host.Log($"recovery of {job.DiskGroup}/{job.Volume} for node {job.ForNode}: {state}, {task.RegionsCopied} of {task.RegionsTotal} regions, {task.DoneBytes} bytes{(error is null ? "" : $" ({error})")}");
    }
}
