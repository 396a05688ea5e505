using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Resync;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// The repairer's side (NodeMachine.Repair, <see cref="CopyRange"/>): copies a range of a volume from its first Active
/// plex to the others, chunk by chunk inside the disk group's gate, with the copy checked against concurrent writes as a
/// recovery's is (<see cref="ResyncCopier.CopyToOthers"/>). A plex this node cannot reach fails the repair, for the requester to ask again.
/// </summary>
public sealed class RangeRepairer(VolumeKernel kernel, ResyncCopier copier, Func<NodeDatabase> database, Action<string> log)
{
    public async Task<RangeCopied> CopyAsync(CopyRange copy, Func<DateTimeOffset> now, CancellationToken ct)
    {
        try
        {
            for (var offset = copy.Offset; offset < copy.Offset + copy.Length; offset += ResyncRules.ChunkBytes)
                await CopyChunkAsync(copy, offset, (int)Math.Min(ResyncRules.ChunkBytes, copy.Offset + copy.Length - offset), ct);
            log($"repaired bytes {copy.Offset}..{copy.Offset + copy.Length} of volume {copy.DiskGroup}/{copy.Volume} for node {copy.Requester}");
            return new RangeCopied(now(), copy.Requester, copy.Ref, true);
        }
        catch (Exception e) when (e is IOException or VolumeIoException or InvalidOperationException)
        {
            log($"cannot repair bytes {copy.Offset}..{copy.Offset + copy.Length} of volume {copy.DiskGroup}/{copy.Volume} for node {copy.Requester}: {e.Message}");
            return new RangeCopied(now(), copy.Requester, copy.Ref, false, ErrorIds.VolumeIoFailed, $"node repairing the range: {e.Message}");
        }
    }

    private async Task CopyChunkAsync(CopyRange copy, long offset, int length, CancellationToken ct)
    {
        var gate = kernel.Gate(copy.DiskGroup);
        await gate.EnterAsync(ct);
        try
        {
            // A volume removed since has taken its plexes with it: nothing differs any more.
            if (database().Find(copy.DiskGroup)?.FindVolume(copy.Volume) is not { } volume || offset >= volume.SizeBytes) return;
            copier.CopyToOthers(volume, offset, (int)Math.Min(length, volume.SizeBytes - offset));
        }
        finally { gate.Exit(); }
    }
}
