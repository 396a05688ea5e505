using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Agent.Kernel;

/// <summary>What the resync service needs from the agent that hosts it.</summary>
public sealed record ResyncHost(
    string Node,
    Func<NodeDatabase> Database,
    Func<DiskGroup, bool> Coordinates,
    Func<ControlRequest, CancellationToken, Task<ControlResponse>> Submit,
    Func<string, CancellationToken, Task> Step,
    Action<string> Log);

/// <summary>
/// Resynchronises stale plexes on the node that coordinates their disk group (the master for a shared group, the
/// owner for a private one): copies from an active plex chunk by chunk through the group's I/O gate, keeps a
/// checkpoint on disk, and when the copy is done proposes marking the plex Active through the normal protocol.
/// </summary>
public sealed class ResyncService(ResyncHost host, VolumeKernel kernel, ResyncCopier copier)
{
    public const int ChunkBytes = 1024 * 1024;
    private const int CheckpointEvery = 4;
    private const int KeptFinished = 100;
    private readonly Dictionary<string, ResyncTask> running = [];
    private readonly LinkedList<ResyncTask> finished = new();
    private readonly object sync = new();

    public List<ResyncTask> Tasks
    {
        get { lock (sync) return [.. running.Values.Select(Snapshot), .. finished.Select(Snapshot)]; }
    }

    public async Task RunAsync(TimeSpan period, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(ct)) StartWhatIsStale(ct);
    }

    private void StartWhatIsStale(CancellationToken ct)
    {
        var db = host.Database();
        foreach (var group in db.All.Where(host.Coordinates))
            foreach (var volume in group.Volumes.Where(v => v.ActivePlexes.Any()))
                foreach (var plex in volume.Plexes.Where(p => p.State == PlexStates.Stale))
                    Start(group, volume, plex, ct);
    }

    private void Start(DiskGroup group, Volume volume, Plex plex, CancellationToken ct)
    {
        var key = Engine.Storage.ResyncCheckpoint.Key(group, volume, plex);
        ResyncTask task;
        lock (sync)
        {
            if (running.ContainsKey(key)) return;
            task = new ResyncTask
            {
                Id = $"resync-{group.Name}-{plex.Name}-{DateTimeOffset.UtcNow:HHmmssfff}", Node = host.Node,
                DiskGroup = group.Name, Volume = volume.Name, Plex = plex.Name, TotalBytes = volume.SizeBytes,
                State = ResyncState.Running, Started = DateTimeOffset.UtcNow, Updated = DateTimeOffset.UtcNow,
            };
            running[key] = task;
        }
        _ = Task.Run(() => RunTaskAsync(key, task, ct), CancellationToken.None);
    }

    private async Task RunTaskAsync(string key, ResyncTask task, CancellationToken ct)
    {
        try
        {
            var state = await CopyAsync(key, task, ct);
            if (state == ResyncState.Running) state = await ActivateAsync(task, ct);
            Finish(key, task, state, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e)
        {
            host.Log($"resync of plex {task.Plex} of {task.DiskGroup}/{task.Volume} failed: {e.Message}");
            Finish(key, task, ResyncState.Failed, e.Message);
        }
    }

    /// <summary>Running when every byte is copied; Waiting when this node stopped coordinating the group; Completed or Cancelled when the plex stopped being stale meanwhile.</summary>
    private async Task<ResyncState> CopyAsync(string key, ResyncTask task, CancellationToken ct)
    {
        var checkpointDisk = Current(task)?.Plex.Subdisks.FirstOrDefault()?.Disk;
        var offset = checkpointDisk is null ? 0 : copier.ReadCheckpoints(checkpointDisk).GetValueOrDefault(key);
        Update(task, t => { t.ResumedFrom = offset; t.DoneBytes = offset; });
        if (offset > 0) host.Log($"resync of plex {task.Plex} of {task.DiskGroup}/{task.Volume} resumes at {offset} bytes");
        for (var chunk = 1; ; chunk++)
        {
            await host.Step("ResyncChunk", ct);
            int length;
            var gate = kernel.Gate(task.DiskGroup);
            await gate.EnterAsync(ct);
            try
            {
                await host.Step("ResyncCopy", ct);   // inside the gate: a held copy is I/O in flight
                if (Current(task) is not { } now) return Gone(task);
                if (!host.Coordinates(now.Group)) return ResyncState.Waiting;
                Update(task, t => t.TotalBytes = now.Volume.SizeBytes);
                if (offset >= now.Volume.SizeBytes) break;
                length = (int)Math.Min(ChunkBytes, now.Volume.SizeBytes - offset);
                var source = now.Volume.ActivePlexes.FirstOrDefault() ?? throw new InvalidOperationException($"volume '{task.Volume}' has no active plex to copy from.");
                if (!copier.Copy(source, now.Plex, offset, length))
                    throw new IOException($"bytes {offset}..{offset + length} kept changing under concurrent writes.");
                Update(task, t => t.Source = source.Name);
            }
            finally { gate.Exit(); }
            offset += length;
            Update(task, t => t.DoneBytes = offset);
            if (chunk % CheckpointEvery == 0 && checkpointDisk is not null) copier.WriteCheckpoint(checkpointDisk, key, offset);
        }
        if (checkpointDisk is not null) copier.WriteCheckpoint(checkpointDisk, key, -1);
        return ResyncState.Running;
    }

    /// <summary>Marks the plex Active through the protocol, as its own transaction; retried while the cluster is busy.</summary>
    private async Task<ResyncState> ActivateAsync(ResyncTask task, CancellationToken ct)
    {
        while (true)
        {
            if (Current(task) is not { } now) return Gone(task);
            if (!host.Coordinates(now.Group)) return ResyncState.Waiting;
            var begin = await host.Submit(new BeginRequest
            {
                Scope = now.Group.Shared ? TransactionScope.Shared : TransactionScope.Private,
                Owner = now.Group.Shared ? null : host.Node,
                Initiator = host.Node,
                Operations = [new SetPlexState { DiskGroup = task.DiskGroup, Volume = task.Volume, Plex = task.Plex, State = PlexStates.Active }],
            }, ct);
            if (begin.Ok && begin.Transaction is { } tx && await CommitAsync(tx.Id, ct)) return ResyncState.Completed;
            host.Log($"marking plex {task.Plex} Active did not commit ({begin.ErrorId ?? "aborted"}); retrying");
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    private async Task<bool> CommitAsync(string transactionId, CancellationToken ct)
    {
        while (true)
        {
            var commit = await host.Submit(new CommitRequest { TransactionId = transactionId }, ct);
            if (commit.ErrorId != Coordination.ChecksRestartedErrorId) return commit.Ok;
        }
    }

    /// <summary>The plex is no longer stale: someone marked it Active, or it (or its volume) was removed.</summary>
    private ResyncState Gone(ResyncTask task) =>
        host.Database().Find(task.DiskGroup)?.FindVolume(task.Volume)?.FindPlex(task.Plex) is { IsActive: true } ? ResyncState.Completed : ResyncState.Cancelled;

    private sealed record Target(DiskGroup Group, Volume Volume, Plex Plex);

    /// <summary>The task's plex as the configuration has it now, if it is still stale.</summary>
    private Target? Current(ResyncTask task)
    {
        var group = host.Database().Find(task.DiskGroup);
        var volume = group?.FindVolume(task.Volume);
        var plex = volume?.FindPlex(task.Plex);
        return plex is { State: PlexStates.Stale } ? new Target(group!, volume!, plex) : null;
    }

    private void Update(ResyncTask task, Action<ResyncTask> change)
    {
        lock (sync) { change(task); task.Updated = DateTimeOffset.UtcNow; }
    }

    private void Finish(string key, ResyncTask task, ResyncState state, string? error)
    {
        lock (sync)
        {
            task.State = state;
            task.Error = error;
            task.Updated = DateTimeOffset.UtcNow;
            running.Remove(key);
            finished.AddFirst(task);
            if (finished.Count > KeptFinished) finished.RemoveLast();
        }
        host.Log($"resync of plex {task.Plex} of {task.DiskGroup}/{task.Volume}: {state}{(error is null ? "" : $" ({error})")}");
    }

    private static ResyncTask Snapshot(ResyncTask t) => new()
    {
        Id = t.Id, Node = t.Node, DiskGroup = t.DiskGroup, Volume = t.Volume, Plex = t.Plex, Source = t.Source,
        DoneBytes = t.DoneBytes, TotalBytes = t.TotalBytes, ResumedFrom = t.ResumedFrom, State = t.State, Error = t.Error,
        Started = t.Started, Updated = t.Updated,
    };
}
