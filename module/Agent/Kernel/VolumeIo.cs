using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Io;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// The kernel's data path: volume reads and writes through the disk group's I/O gate, so none is in flight
/// while a change is prepared. A write goes to every plex (a stale one being resynchronised too) and is
/// answered once durable; a read comes from an active plex.
/// </summary>
public sealed class VolumeIo(VolumeKernel kernel, Func<NodeDatabase> database, DiskScanner scanner)
{
    private Dictionary<string, string> paths = [];

    public async Task<ControlResponse> WriteAsync(VolumeWriteRequest request, CancellationToken ct)
    {
        var gate = kernel.Gate(request.DiskGroup);
        await gate.EnterAsync(ct);
        try
        {
            if (Find(request.DiskGroup, request.Volume, request.Offset, request.Data.Length, out var volume) is { } refused) return refused;
            // Active plexes first: a resync that copies a range and then finds both plexes equal can then trust that
            // any write it raced with has reached the active plex before the stale one.
            foreach (var plex in volume!.Plexes.OrderBy(p => p.IsActive ? 0 : 1)) WritePlex(plex, request.Offset, request.Data);
            return ControlResponse.Success();
        }
        finally { gate.Exit(); }
    }

    public async Task<ControlResponse> ReadAsync(VolumeReadRequest request, CancellationToken ct)
    {
        var gate = kernel.Gate(request.DiskGroup);
        await gate.EnterAsync(ct);
        try
        {
            if (Find(request.DiskGroup, request.Volume, request.Offset, request.Length, out var volume) is { } refused) return refused;
            var plex = volume!.ActivePlexes.FirstOrDefault();
            if (plex is null) return ControlResponse.Failure(ErrorIds.LastPlex, $"volume '{request.Volume}' has no active plex to read from.");
            return new ControlResponse { Ok = true, Data = ReadPlex(plex, request.Offset, request.Length) };
        }
        finally { gate.Exit(); }
    }

    private ControlResponse? Find(string groupName, string volumeName, long offset, long length, out Volume? volume)
    {
        volume = null;
        var group = database().Find(groupName);
        if (group is null) return ControlResponse.Failure(ErrorIds.DiskGroupNotFound, $"No disk group named '{groupName}' exists here.");
        volume = group.FindVolume(volumeName);
        if (volume is null) return ControlResponse.Failure(ErrorIds.VolumeNotFound, $"Disk group '{groupName}' has no volume named '{volumeName}'.");
        return VolumeMap.RangeProblem(volume, offset, length) is { } problem ? ControlResponse.Failure(ErrorIds.InvalidSize, problem) : null;
    }

    /// <summary>Writes one plex's range durably (the caller holds the disk group's gate).</summary>
    public void WritePlex(Plex plex, long offset, byte[] data)
    {
        foreach (var disk in VolumeMap.Spans(plex, offset, data.Length).GroupBy(s => s.Disk))
        {
            using var device = DiskDevice.Open(PathOf(disk.Key), write: true);
            foreach (var span in disk) RandomAccess.Write(device.Handle, data.AsSpan(span.BufferOffset, span.Length), PrivateRegion.PublicRegionOffset + span.DiskOffset);
            device.Flush();
        }
    }

    /// <summary>Reads one plex's range (the caller holds the disk group's gate).</summary>
    public byte[] ReadPlex(Plex plex, long offset, int length)
    {
        var buffer = new byte[length];
        foreach (var disk in VolumeMap.Spans(plex, offset, length).GroupBy(s => s.Disk))
        {
            using var device = DiskDevice.Open(PathOf(disk.Key));
            foreach (var span in disk)
                RandomAccess.Read(device.Handle, buffer.AsSpan(span.BufferOffset, span.Length), PrivateRegion.PublicRegionOffset + span.DiskOffset);
        }
        return buffer;
    }

    /// <summary>Where a disk opens on this node.</summary>
    public string PathOf(string disk)
    {
        if (paths.TryGetValue(disk, out var path)) return path;
        paths = scanner.Scan().ToDictionary(d => d.Name, d => d.Path);
        return paths.TryGetValue(disk, out path) ? path : throw new IOException($"disk '{disk}' cannot be opened on this node.");
    }
}
