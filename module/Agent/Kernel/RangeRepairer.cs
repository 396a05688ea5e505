using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Resync;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// The repairer's side (NodeMachine.Repair, <see cref="CopyRange"/>): copies a range of a volume from its first Active
/// plex to the others, chunk by chunk inside the disk group's gate, with the copy checked against concurrent writes as a
/// recovery's is (<see cref="ResyncCopier.CopyToOthers"/>). Each repair is a task (Kind Repair) that Get-VmTask lists and
/// Suspend-VmTask, Resume-VmTask and Set-VmTask -MaxRate control. A plex this node cannot reach fails the repair, for
/// the requester to ask again.
/// </summary>
public sealed class RangeRepairer(string node, VolumeKernel kernel, ResyncCopier copier, Func<NodeDatabase> database, TaskRegistry tasks, Action<string> log)
{
    public async Task<RangeCopied> CopyAsync(CopyRange copy, Func<DateTimeOffset> now, CancellationToken ct)
    {
        var (key, entry) = Register(copy);
        var what = $"bytes {copy.Offset}..{copy.Offset + copy.Length} of volume {copy.DiskGroup}/{copy.Volume} for node {copy.Requester}";
        try
        {
            for (var offset = copy.Offset; offset < copy.Offset + copy.Length; offset += ResyncRules.ChunkBytes)
            {
                var length = (int)Math.Min(ResyncRules.ChunkBytes, copy.Offset + copy.Length - offset);
                await entry.Control.ReadyAsync(() => log($"repair {entry.Task.Id} suspended at {offset} bytes"), ct);
                await CopyChunkAsync(copy, offset, length, entry.Task, ct);
                tasks.Update(entry.Task, t => { t.DoneBytes += length; t.RegionsCopied++; });
                await entry.Control.ThrottleAsync(length, ct);
            }
            log($"repaired {what}");
            tasks.Finish(key, entry.Task, ResyncState.Completed, null);
            return new RangeCopied(now(), copy.Requester, copy.Ref, true);
        }
        catch (Exception e) when (e is IOException or VolumeIoException or InvalidOperationException)
        {
            log($"cannot repair {what}: {e.Message}");
            tasks.Finish(key, entry.Task, ResyncState.Failed, e.Message);
            return new RangeCopied(now(), copy.Requester, copy.Ref, false, ErrorIds.VolumeIoFailed, $"node repairing the range: {e.Message}");
        }
    }

    private (string Key, TaskEntry Entry) Register(CopyRange copy)
    {
        var started = DateTimeOffset.UtcNow;
        var task = new ResyncTask
        {
            Id = $"repair-{copy.DiskGroup}-{copy.Volume}-{copy.Requester}-{copy.Ref}", Kind = TaskKind.Repair, Node = node,
            ForNode = copy.Requester, DiskGroup = copy.DiskGroup, Volume = copy.Volume, TotalBytes = copy.Length,
            RegionsTotal = (copy.Length + ResyncRules.ChunkBytes - 1) / ResyncRules.ChunkBytes,
            State = ResyncState.Running, Started = started, Updated = started,
        };
        // A repair is short and asked again if this node goes away: its control state lives only here.
        var entry = new TaskEntry(task, new TaskControl(false, false, 0), _ => { });
        var key = $"repair/{copy.Requester}/{copy.Ref}/{started.UtcTicks}";
        tasks.TryAdd(key, entry);
        return (key, entry);
    }

    private async Task CopyChunkAsync(CopyRange copy, long offset, int length, ResyncTask task, CancellationToken ct)
    {
        var gate = kernel.Gate(copy.DiskGroup);
        await gate.EnterAsync(ct);
        try
        {
            // Only the configuration the requester asked on says which plexes to copy (NodeMachine.Repair): one that moved on
            // since is asked again.
            var group = database().Find(copy.DiskGroup);
            if (!copy.OnConfiguration(group))
                throw new InvalidOperationException(copy.MovedOn(node));
            if (group!.FindVolume(copy.Volume) is not { } volume || offset >= volume.SizeBytes) return;
            copier.CopyToOthers(volume, offset, (int)Math.Min(length, volume.SizeBytes - offset), source => tasks.NoteSides(task, volume, source));
        }
        finally { gate.Exit(); }
    }
}
