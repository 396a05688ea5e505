using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Kernel;

/// <summary>What the resync service needs from the agent that hosts it.</summary>
public sealed record ResyncHost(
    string Node,
    Func<NodeDatabase> Database,
    Func<DiskGroup, bool> Coordinates,
    Func<bool> ServesOneConfiguration,
    Func<ControlRequest, CancellationToken, Task<ControlResponse>> Submit,
    Func<string, CancellationToken, Task> Step,
    Action<string> Log);

/// <summary>
/// Resynchronises stale plexes on the node that coordinates their disk group, as <see cref="ResyncRules"/> decide:
/// copies from an active plex chunk by chunk through the group's I/O gate, keeps a checkpoint on disk (with the
/// task's control state: suspended, stopped, rate limit), and when the copy is done marks the plex Active as a change
/// the kernel starts (<see cref="KernelChanges"/>, as a plex detach is), through the same coordinator and checks as
/// every other change.
/// </summary>
public sealed class ResyncService(ResyncHost host, VolumeKernel kernel, ResyncCopier copier, TaskRegistry tasks)
{
    private const int CheckpointEvery = 4;
    private readonly KernelChanges changes = new(host.Submit);

    public async Task RunAsync(TimeSpan period, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(ct)) StartWhatIsStale(ct);
    }

    private void StartWhatIsStale(CancellationToken ct)
    {
        if (!host.ServesOneConfiguration()) return;
        var targets = ResyncRules.Targets(host.Database(), host.Coordinates).ToList();
        foreach (var target in targets.Where(t => !tasks.Contains(t.Key)))
            Start(target, ct);
        var stale = targets.Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, entry) in tasks.Held())
            if (Copies(entry.Task) && entry.Restart is not null && !stale.Contains(key)) tasks.Forget(key);
    }

    /// <summary>The tasks this service runs (a stale plex's copy); the registry also holds recoveries and repairs.</summary>
    private static bool Copies(ResyncTask task) => task.Kind is TaskKind.Resync or TaskKind.Relocation;

    private void Start(ResyncTarget target, CancellationToken ct)
    {
        var disk = CheckpointDisk(target.Plex);
        var progress = disk is null ? null : copier.ReadCheckpoints(disk).GetValueOrDefault(target.Key);
        var started = DateTimeOffset.UtcNow;
        var task = new ResyncTask
        {
            Id = progress is { Id.Length: > 0 } ? progress.Id : $"resync-{target.Group.Name}-{target.Plex.Name}-{started:HHmmssfff}",
            Kind = progress?.Kind ?? ResyncRules.KindOf(target.Plex), Node = host.Node, DiskGroup = target.Group.Name,
            Volume = target.Volume.Name, Plex = target.Plex.Name, TotalBytes = target.Volume.SizeBytes,
            RegionsTotal = (target.Volume.SizeBytes + ResyncRules.ChunkBytes - 1) / ResyncRules.ChunkBytes,
            State = ResyncState.Running, Started = started, Updated = started,
        };
        var control = new TaskControl(progress?.Suspended ?? false, progress?.Stopped ?? false, progress?.MaxRateBytes ?? 0);
        var entry = new TaskEntry(task, control, e => Persist(target.Key, disk, e));
        if (!tasks.TryAdd(target.Key, entry)) return;
        if (control.Stopped) { Hold(target.Key, entry, ct); return; }
        _ = Task.Run(() => RunTaskAsync(target.Key, entry, progress, ct), CancellationToken.None);
    }

    /// <summary>A stopped copy is listed and copies nothing until Resume-VmTask starts it again from the beginning.</summary>
    private void Hold(string key, TaskEntry entry, CancellationToken ct)
    {
        tasks.Update(entry.Task, t => { t.State = ResyncState.Stopped; t.DoneBytes = 0; t.RegionsCopied = 0; t.ResumedFrom = 0; });
        entry.Restart = () =>
        {
            entry.Restart = null;
            tasks.Update(entry.Task, t => t.State = ResyncState.Running);
            _ = Task.Run(() => RunTaskAsync(key, entry, null, ct), CancellationToken.None);
        };
    }

    private async Task RunTaskAsync(string key, TaskEntry entry, ResyncProgress? progress, CancellationToken ct)
    {
        var task = entry.Task;
        try
        {
            var state = await CopyAsync(key, entry, progress, ct);
            if (state == ResyncState.Stopped) { Hold(key, entry, ct); entry.Persist(); host.Log($"resync of plex {task.Plex} of {task.DiskGroup}/{task.Volume} stopped"); return; }
            if (state == ResyncState.Running)
            {
                entry.Persist();   // copied whole: a task started again after a failed activation only proposes it
                state = await ActivateAsync(key, task, ct);
            }
            Finish(key, task, state, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e)
        {
            host.Log($"resync of plex {task.Plex} of {task.DiskGroup}/{task.Volume} failed: {e.Message}");
            Finish(key, task, ResyncState.Failed, e.Message);
        }
    }

    /// <summary>Running when every byte is copied; Stopped by Stop-VmTask; Waiting when this node stopped coordinating the group; Completed or Cancelled when the plex stopped being stale meanwhile.</summary>
    private async Task<ResyncState> CopyAsync(string key, TaskEntry entry, ResyncProgress? progress, CancellationToken ct)
    {
        var task = entry.Task;
        var offset = ResyncRules.ResumeAt(progress, task.TotalBytes);
        tasks.Update(task, t => { t.ResumedFrom = offset; t.DoneBytes = offset; t.RegionsCopied = offset / ResyncRules.ChunkBytes; });
        if (offset > 0) host.Log($"resync of plex {task.Plex} of {task.DiskGroup}/{task.Volume} resumes at {offset} bytes");
        for (var chunk = 1; ; chunk++)
        {
            if (!await entry.Control.ReadyAsync(() => { entry.Persist(); host.Log($"resync {task.Id} suspended at {offset} bytes"); }, ct)) return ResyncState.Stopped;
            await host.Step("ResyncChunk", ct);
            int length;
            var gate = kernel.Gate(task.DiskGroup);
            await gate.EnterAsync(ct);
            try
            {
                await host.Step("ResyncCopy", ct);   // inside the gate: a held copy is I/O in flight
                var now = Current(task);
                var decision = ResyncRules.Next(key, now, now is not null && host.Coordinates(now.Group), held: false, offset);
                switch (decision.Step)
                {
                    case ResyncStep.Gone: return Gone(task);
                    case ResyncStep.HandOver: return ResyncState.Waiting;
                    case ResyncStep.Activate: goto copied;
                }
                length = decision.Length;
                tasks.Update(task, t => { t.TotalBytes = now!.Volume.SizeBytes; t.Source = decision.Source!.Name; });
                if (!copier.Copy(decision.Source!, now!.Plex, offset, length))
                    throw new IOException($"bytes {offset}..{offset + length} kept changing under concurrent writes.");
            }
            finally { gate.Exit(); }
            offset += length;
            tasks.Update(task, t => { t.DoneBytes = offset; t.RegionsCopied++; });
            if (chunk % CheckpointEvery == 0) entry.Persist();
            await entry.Control.ThrottleAsync(length, ct);
        }
    copied:
        tasks.Update(task, t => t.DoneBytes = t.TotalBytes);
        return ResyncState.Running;
    }

    /// <summary>
    /// Marks the plex Active, as a change of its own; a busy cluster or a refusal is tried again a bounded number of
    /// times, then the task fails and the next round starts it again from its checkpoint (at the end: it only
    /// proposes the activation again).
    /// </summary>
    private async Task<ResyncState> ActivateAsync(string key, ResyncTask task, CancellationToken ct)
    {
        string? last = null;
        for (var attempt = 0; attempt < ActivationAttempts; attempt++)
        {
            var now = Current(task);
            if (now is null || now.Key != key) return Gone(task);
            if (!host.Coordinates(now.Group)) return ResyncState.Waiting;
            var activate = new SetPlexState { DiskGroup = task.DiskGroup, Volume = task.Volume, Plex = task.Plex, State = PlexStates.Active };
            var result = await changes.RunAsync(now.Group, activate, () => Current(task) is null, DateTimeOffset.UtcNow + ActivationBound, ct);
            if (result.Ok) return Gone(task);
            last = result.ErrorId ?? "aborted";
            host.Log($"marking plex {task.Plex} Active did not commit ({last}); retrying");
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
        throw new InvalidOperationException($"marking plex '{task.Plex}' Active did not commit in {ActivationAttempts} attempts ({last}); the next round proposes it again.");
    }

    private const int ActivationAttempts = 20;
    private static readonly TimeSpan ActivationBound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Records as finished, at once, every copy done copying whose plex is no longer stale in the configuration: a
    /// report asked for after the activation committed reads Completed, not the Running of a copier still on its way
    /// back from the change.
    /// </summary>
    public void Settle()
    {
        foreach (var (key, entry) in tasks.Held())
            if (Copies(entry.Task) && tasks.Shown(entry) is { State: ResyncState.Running } shown
                && shown.DoneBytes >= shown.TotalBytes && Current(entry.Task) is null)
                tasks.Finish(key, entry.Task, Gone(entry.Task), null);
    }

    /// <summary>The plex is no longer stale: someone marked it Active, or it (or its volume) was removed.</summary>
    private ResyncState Gone(ResyncTask task) =>
        host.Database().Find(task.DiskGroup)?.FindVolume(task.Volume)?.FindPlex(task.Plex) is { IsActive: true } ? ResyncState.Completed : ResyncState.Cancelled;

    /// <summary>The task's plex as the configuration has it now, if it is still stale.</summary>
    private ResyncTarget? Current(ResyncTask task)
    {
        var group = host.Database().Find(task.DiskGroup);
        var volume = group?.FindVolume(task.Volume);
        var plex = volume?.FindPlex(task.Plex);
        return plex is { State: PlexStates.Stale } ? new ResyncTarget(group!, volume!, plex) : null;
    }

    /// <summary>The checkpoint lives on the disk of the stale plex's first subdisk.</summary>
    private static string? CheckpointDisk(Plex plex) => plex.Subdisks.FirstOrDefault()?.Disk;

    private void Persist(string key, string? disk, TaskEntry entry)
    {
        if (disk is null) return;
        var t = entry.Task;
        var c = entry.Control;
        copier.WriteCheckpoint(disk, key, new ResyncProgress(c.Stopped ? 0 : t.DoneBytes, t.Id, t.Kind, c.Suspended, c.Stopped, c.MaxRateBytes));
    }

    private void Finish(string key, ResyncTask task, ResyncState state, string? error)
    {
        var disk = host.Database().Find(task.DiskGroup)?.FindVolume(task.Volume)?.FindPlex(task.Plex) is { } plex ? CheckpointDisk(plex) : null;
        if (state is ResyncState.Completed or ResyncState.Cancelled && disk is not null) TryForget(disk, key);
        tasks.Finish(key, task, state, error);
        host.Log($"resync of plex {task.Plex} of {task.DiskGroup}/{task.Volume}: {state}{(error is null ? "" : $" ({error})")}");
    }

    private void TryForget(string disk, string key)
    {
        try { copier.WriteCheckpoint(disk, key, null); }
        catch (IOException e) { host.Log($"could not clear the resync checkpoint on disk {disk}: {e.Message}"); }
    }
}
