using System.Collections.Concurrent;
using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Resync;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// The kernel's data path: volume reads and writes through the disk group's I/O gate, so none is in flight while a
/// change is prepared. A write goes to every attached plex, active ones first (a stale one being resynchronised too),
/// and is acknowledged once every plex has it; FLUSH and FUA make it durable. A read comes from an active plex and
/// fails over to the next one when a disk returns an error. A plex whose disk fails is left alone from then on and the
/// <see cref="PlexDetacher"/> asks for its detach; a write that reached the other plexes is acknowledged once the
/// detach is committed (outside the gate, so the detach can quiesce), and fails if the plex stays attached.
/// </summary>
public sealed class VolumeIo(VolumeKernel kernel, Func<NodeDatabase> database, DiskScanner scanner, PlexDetacher detacher) : IDisposable
{
    private const int ZeroChunk = 1024 * 1024;
    private readonly DiskHandles disks = new(scanner);
    private readonly object sync = new();
    private volatile LayoutCache? cache;
    private AlignedBuffer? zeroes;

    /// <summary>This node's dirty region logs: a write's regions are marked there before it reaches the plexes.</summary>
    public DirtyRegionLog? Drl { get; set; }

    /// <summary>Where a change that left the plexes different (a plex that missed it stays attached) is held, marked, until another node repairs its range.</summary>
    public RangeRepairs? Repairs { get; set; }

    private sealed record LayoutCache(NodeDatabase Database, ConcurrentDictionary<(string, string), VolumeLayout> Layouts);

    /// <summary>Every volume this node's configuration holds, as (disk group, volume).</summary>
    public IEnumerable<(string DiskGroup, string Volume)> Volumes() =>
        database().All.SelectMany(g => g.Volumes.Select(v => (g.Name, v.Name)));

    /// <summary>The volume's layout as the configuration has it now (outside the gate: for sizes announced to clients).</summary>
    public VolumeLayout? Find(string diskGroup, string volume)
    {
        try { return Layout(diskGroup, volume); }
        catch (VolumeIoException e) when (e.Failure == VolumeIoFailure.NotFound) { return null; }
    }

    public async ValueTask ReadAsync(string diskGroup, string volume, long offset, Memory<byte> into, CancellationToken ct)
    {
        var gate = kernel.Gate(diskGroup);
        await gate.EnterAsync(ct);
        try { Read(Layout(diskGroup, volume), offset, into.Span); }
        finally { gate.Exit(); }
    }

    public async ValueTask WriteAsync(string diskGroup, string volume, long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken ct)
    {
        await ChangeAsync(diskGroup, volume, "write", offset, data.Length, layout => Write(layout, offset, data.Span, fua: false), ct);
        if (fua) await SyncAsync(diskGroup, volume, "Write", offset, data.Length, ct);
    }

    /// <summary>Makes every write acknowledged so far durable on every disk of the volume.</summary>
    public ValueTask FlushAsync(string diskGroup, string volume, CancellationToken ct) => SyncAsync(diskGroup, volume, "Flush", 0, long.MaxValue, ct);

    /// <summary>
    /// Makes a range durable on every plex outside the gate: an fsync waits for all of the disk's dirty data, far longer
    /// than a write, and a change's freeze must not wait for it. A change that closed or reopened the disks meanwhile
    /// makes it sync once more on the handles the change left.
    /// </summary>
    private async ValueTask SyncAsync(string diskGroup, string volume, string operation, long offset, long length, CancellationToken ct)
    {
        List<PlexIoError>? failed;
        try { failed = Sync(await LayoutInGateAsync(diskGroup, volume, ct), operation, offset, length); }
        catch (ObjectDisposedException) { failed = Sync(await LayoutInGateAsync(diskGroup, volume, ct), operation, offset, length); }
        await SettleAsync(failed);
    }

    private List<PlexIoError>? Sync(VolumeLayout layout, string operation, long offset, long length) =>
        OnEveryPlex(layout, operation, offset, plex => SyncRange(plex, offset, length));

    private async ValueTask<VolumeLayout> LayoutInGateAsync(string diskGroup, string volume, CancellationToken ct)
    {
        var gate = kernel.Gate(diskGroup);
        await gate.EnterAsync(ct);
        try { return Layout(diskGroup, volume); }
        finally { gate.Exit(); }
    }

    /// <summary>TRIM: image files give the range back (reads return zeroes); block devices keep their data.</summary>
    public ValueTask DiscardAsync(string diskGroup, string volume, long offset, long length, bool fua, CancellationToken ct) =>
        ChangeAsync(diskGroup, volume, "discard", offset, length,
            layout => OnEveryPlex(layout, "Discard", offset, plex => Each(plex, offset, length, (e, at, _, n) => e.Handle.Discard(at, n), fua)), ct);

    public ValueTask ZeroAsync(string diskGroup, string volume, long offset, long length, bool fua, CancellationToken ct) =>
        ChangeAsync(diskGroup, volume, "write", offset, length, layout =>
        {
            List<PlexIoError>? failed = null;
            var zero = Zeroes();
            for (var done = 0L; done < length; done += ZeroChunk)
                Merge(ref failed, Write(layout, offset + done, zero.Span((int)Math.Min(ZeroChunk, length - done)), fua));
            return failed;
        }, ct);

    /// <summary>
    /// A change to the bytes of a volume's plexes (write, discard, zeroes): made in the gate, refused while a plex stays
    /// attached without taking this node's writes, with its regions marked in the dirty region log first, and kept marked
    /// until every plex that missed it is detached (<see cref="DirtyRegions"/> rule 3). A plex that missed it and stays
    /// attached fails the change, whose mark then goes to <see cref="Repairs"/> until another node made the plexes equal.
    /// A change that missed a plex is made again once that plex is detached, before it is acknowledged: while the failing
    /// plex was still the first Active one, a recovery or resync may have copied its old bytes over the change on the others.
    /// </summary>
    private async ValueTask ChangeAsync(string diskGroup, string volume, string operation, long offset, long length, Func<VolumeLayout, List<PlexIoError>?> change, CancellationToken ct)
    {
        IDisposable? dirty = null;
        try
        {
            var failed = await InGateAsync(layout =>
            {
                CheckRange(layout, offset, length, write: true);
                RefuseIfStuck(layout, operation, offset);
                dirty = Drl?.Mark(layout.DiskGroup, layout.Volume, offset, length);
                return change(layout);
            });
            while (failed is not null)
            {
                try { await SettleAsync(failed); }
                catch (VolumeIoException) when (Repairs is { } repairs)
                {
                    dirty = repairs.Hold(dirty, diskGroup, volume, offset, length);
                    throw;
                }
                failed = await InGateAsync(layout =>
                {
                    RefuseIfStuck(layout, operation, offset);
                    return change(layout);
                });
            }
        }
        finally { dirty?.Dispose(); }

        async ValueTask<List<PlexIoError>?> InGateAsync(Func<VolumeLayout, List<PlexIoError>?> inGate)
        {
            var gate = kernel.Gate(diskGroup);
            await gate.EnterAsync(ct);
            try { return inGate(Layout(diskGroup, volume)); }
            finally { gate.Exit(); }
        }
    }

    /// <summary>Write-VmVolume: answered once the data is durable; unaligned bytes on a block device are read, patched and written whole.</summary>
    public async Task<ControlResponse> WriteAsync(VolumeWriteRequest request, CancellationToken ct)
    {
        IDisposable? dirty = null;
        try
        {
            (var failed, dirty, var start, var length) = await WriteInGateAsync(request, ct);
            try { await SettleAsync(failed); }
            catch (VolumeIoException) when (Repairs is { } repairs)
            {
                dirty = repairs.Hold(dirty, request.DiskGroup, request.Volume, start, length);
                throw;
            }
            return ControlResponse.Success();
        }
        catch (VolumeIoException e) { return ControlResponse.Failure(e.ErrorId, e.Message); }
        finally { dirty?.Dispose(); }
    }

    /// <summary>The plexes that missed the write, and its dirty mark and range, held until the write is settled.</summary>
    private async Task<(List<PlexIoError>? Failed, IDisposable? Dirty, long Start, int Length)> WriteInGateAsync(VolumeWriteRequest request, CancellationToken ct)
    {
        var gate = kernel.Gate(request.DiskGroup);
        await gate.EnterAsync(ct);
        try
        {
            var layout = Layout(request.DiskGroup, request.Volume);
            CheckRange(layout, request.Offset, request.Data.Length, write: true);
            var (start, length) = Widen(layout, request.Offset, request.Data.Length);
            var buffer = AlignedBuffer.Rent(length);
            try
            {
                if (start != request.Offset || length != request.Data.Length) Read(layout, start, buffer.Span(length));
                request.Data.CopyTo(buffer.Span(length)[(int)(request.Offset - start)..]);
                RefuseIfStuck(layout, "write", request.Offset);
                var dirty = Drl?.Mark(layout.DiskGroup, layout.Volume, start, length);
                try { return (Write(layout, start, buffer.Span(length), fua: true), dirty, start, length); }
                catch
                {
                    dirty?.Dispose();
                    throw;
                }
            }
            finally { buffer.Return(); }
        }
        finally { gate.Exit(); }
    }

    public async Task<ControlResponse> ReadAsync(VolumeReadRequest request, CancellationToken ct)
    {
        var gate = kernel.Gate(request.DiskGroup);
        await gate.EnterAsync(ct);
        try
        {
            var layout = Layout(request.DiskGroup, request.Volume);
            CheckRange(layout, request.Offset, request.Length, write: false);
            var (start, length) = Widen(layout, request.Offset, request.Length);
            var buffer = AlignedBuffer.Rent(length);
            try
            {
                Read(layout, start, buffer.Span(length));
                return new ControlResponse { Ok = true, Data = buffer.Span(length).Slice((int)(request.Offset - start), request.Length).ToArray() };
            }
            finally { buffer.Return(); }
        }
        catch (VolumeIoException e) { return ControlResponse.Failure(e.ErrorId, e.Message); }
        finally { gate.Exit(); }
    }

    /// <summary>Reads one plex's range (the caller holds the disk group's gate).</summary>
    public void ReadPlex(Plex plex, long offset, Span<byte> into) => ReadPlex(PlexLayout.Resolve(plex, disks), offset, into);

    /// <summary>Writes one plex's range durably (the caller holds the disk group's gate).</summary>
    public void WritePlex(Plex plex, long offset, ReadOnlySpan<byte> data)
    {
        var layout = PlexLayout.Resolve(plex, disks);
        WritePlex(layout, offset, data);
        foreach (var extent in layout.Extents) extent.Handle.Sync();
    }

    /// <summary>Where a disk opens on this node.</summary>
    public string PathOf(string disk) => disks.PathOf(disk);

    private void Read(VolumeLayout layout, long offset, Span<byte> into)
    {
        CheckRange(layout, offset, into.Length, write: false);
        CheckAlignment(layout, offset, into.Length);
        List<PlexIoError>? failed = null;
        foreach (var plex in layout.Plexes)
        {
            if (!plex.Active) break;   // active plexes come first
            if (Failing(layout, plex)) continue;
            try
            {
                ReadPlex(plex, offset, into);
                if (failed is not null) foreach (var error in failed) { error.ServedFrom = plex.Name; Failed(error); }
                return;
            }
            catch (DiskIoException e) { (failed ??= []).Add(Error(layout, plex, e.Disk, "Read", offset, e)); }
        }
        if (failed is null) throw new VolumeIoException(VolumeIoFailure.DiskError, ErrorIds.DiskFailed, $"volume '{layout.Volume}' has no active plex this node can read from.");
        foreach (var error in failed) Failed(error);
        throw new VolumeIoException(VolumeIoFailure.DiskError, ErrorIds.VolumeIoFailed,
            $"reading bytes {offset}..{offset + into.Length} of volume '{layout.Volume}' failed on every active plex: {string.Join("; ", failed.Select(f => $"plex {f.Plex}: {f.Message}"))}");
    }

    /// <summary>The plexes that did not take the write (their detach to be awaited); throws when no active plex took it.</summary>
    private List<PlexIoError>? Write(VolumeLayout layout, long offset, ReadOnlySpan<byte> data, bool fua)
    {
        CheckRange(layout, offset, data.Length, write: true);
        CheckAlignment(layout, offset, data.Length);
        List<PlexIoError>? failed = null;
        var taken = false;
        foreach (var plex in layout.Plexes)
        {
            if (Failing(layout, plex)) { (failed ??= []).Add(Left(layout, plex, "Write", offset)); continue; }
            try
            {
                WritePlex(plex, offset, data);
                if (fua) SyncRange(plex, offset, data.Length);
                taken |= plex.Active;
            }
            catch (DiskIoException e) { (failed ??= []).Add(Failed(Error(layout, plex, e.Disk, "Write", offset, e))); }
        }
        if (!taken) throw NoPlexTook(layout, "write", offset, failed);
        return failed;
    }

    /// <summary>An operation on every attached plex that is not failing; the ones that failed it, or an error when no active plex took it.</summary>
    private List<PlexIoError>? OnEveryPlex(VolumeLayout layout, string operation, long offset, Action<PlexLayout> action)
    {
        List<PlexIoError>? failed = null;
        var taken = false;
        foreach (var plex in layout.Plexes)
        {
            if (Failing(layout, plex)) { (failed ??= []).Add(Left(layout, plex, operation, offset)); continue; }
            try
            {
                if (plex.Unopened is { } unopened) throw unopened;
                action(plex);
                taken |= plex.Active;
            }
            catch (DiskIoException e) { (failed ??= []).Add(Failed(Error(layout, plex, e.Disk, operation, offset, e))); }
        }
        if (!taken) throw NoPlexTook(layout, operation.ToLowerInvariant(), offset, failed);
        return failed;
    }

    /// <summary>Waits until every plex that missed a request is detached; a plex that stays attached fails the request.</summary>
    private async ValueTask SettleAsync(List<PlexIoError>? failed)
    {
        if (failed is null) return;
        foreach (var error in failed.DistinctBy(e => e.Plex))
        {
            var result = await detacher.DetachAsync(error);
            if (!result.Detached)
                throw new VolumeIoException(VolumeIoFailure.DiskError, ErrorIds.DiskFailed,
                    $"{error.Operation.ToLowerInvariant()} at byte {error.Offset} of volume '{error.Volume}' failed: plex {error.Plex} did not take it (disk '{error.Disk}': {error.Message}) and stays attached: {result.Reason}");
        }
    }

    private static void Merge(ref List<PlexIoError>? into, List<PlexIoError>? more)
    {
        if (more is not null) (into ??= []).AddRange(more);
    }

    /// <summary>
    /// A plex whose detach was refused lately (Local policy, last plex) stays attached without taking this node's writes:
    /// a change is failed before it reaches any plex, so a failed change leaves the plexes as they were, not different.
    /// </summary>
    private void RefuseIfStuck(VolumeLayout layout, string operation, long offset)
    {
        foreach (var plex in layout.Plexes)
            if (detacher.Refusal(layout.DiskGroup, layout.Volume, plex.Name) is { } reason)
                throw new VolumeIoException(VolumeIoFailure.DiskError, ErrorIds.DiskFailed,
                    $"{operation} at byte {offset} of volume '{layout.Volume}' failed: plex {plex.Name} cannot take it on this node and stays attached: {reason}");
    }

    private bool Failing(VolumeLayout layout, PlexLayout plex) => detacher.IsFailing(layout.DiskGroup, layout.Volume, plex.Name);

    /// <summary>A request a failing plex was left out of: it waits for the same detach as the error that made it fail.</summary>
    private static PlexIoError Left(VolumeLayout layout, PlexLayout plex, string operation, long offset) => new()
    {
        DiskGroup = layout.DiskGroup, Volume = layout.Volume, Plex = plex.Name, Disk = plex.Unopened?.Disk ?? plex.Extents.FirstOrDefault().Disk ?? "",
        Operation = operation, Offset = offset, Message = "the plex is failing on this node", Time = DateTimeOffset.UtcNow,
    };

    /// <summary>Records the error and starts the plex's detach at once (the request waits for it after leaving the gate).</summary>
    private PlexIoError Failed(PlexIoError error)
    {
        kernel.RecordIoError(error);
        _ = detacher.DetachAsync(error);
        return error;
    }

    private static VolumeIoException NoPlexTook(VolumeLayout layout, string operation, long offset, List<PlexIoError>? failed) =>
        new(VolumeIoFailure.DiskError, failed is null ? ErrorIds.LastPlex : ErrorIds.DiskFailed, failed is null
            ? $"volume '{layout.Volume}' has no active plex to {operation} (byte {offset})."
            : $"{operation} at byte {offset} of volume '{layout.Volume}' failed on every active plex: {string.Join("; ", failed.Select(f => $"plex {f.Plex} (disk '{f.Disk}'): {f.Message}"))}");

    private static void ReadPlex(PlexLayout plex, long offset, Span<byte> into)
    {
        if (plex.Unopened is { } unopened) throw unopened;
        var end = offset + into.Length;
        foreach (var extent in plex.Extents)
        {
            var from = Math.Max(offset, extent.PlexStart);
            var to = Math.Min(end, extent.PlexEnd);
            if (from >= to) continue;
            try { extent.Handle.Read(into.Slice((int)(from - offset), (int)(to - from)), extent.DiskOffset + (from - extent.PlexStart)); }
            catch (IOException e) { throw new DiskIoException(extent.Disk, e); }
        }
    }

    private static void WritePlex(PlexLayout plex, long offset, ReadOnlySpan<byte> data)
    {
        if (plex.Unopened is { } unopened) throw unopened;
        var end = offset + data.Length;
        foreach (var extent in plex.Extents)
        {
            var from = Math.Max(offset, extent.PlexStart);
            var to = Math.Min(end, extent.PlexEnd);
            if (from >= to) continue;
            try { extent.Handle.Write(data.Slice((int)(from - offset), (int)(to - from)), extent.DiskOffset + (from - extent.PlexStart)); }
            catch (IOException e) { throw new DiskIoException(extent.Disk, e); }
        }
    }

    private static void SyncRange(PlexLayout plex, long offset, long length)
    {
        foreach (var extent in plex.Extents)
        {
            if (extent.PlexEnd <= offset || extent.PlexStart >= offset + length) continue;
            try { extent.Handle.Sync(); }
            catch (IOException e) { throw new DiskIoException(extent.Disk, e); }
        }
    }

    private static void Each(PlexLayout plex, long offset, long length, Action<PlexExtent, long, long, long> each, bool sync)
    {
        foreach (var extent in plex.Extents)
        {
            var from = Math.Max(offset, extent.PlexStart);
            var to = Math.Min(offset + length, extent.PlexEnd);
            if (from >= to) continue;
            try
            {
                each(extent, extent.DiskOffset + (from - extent.PlexStart), from - offset, to - from);
                if (sync) extent.Handle.Sync();
            }
            catch (IOException e) { throw new DiskIoException(extent.Disk, e); }
        }
    }

    private static PlexIoError Error(VolumeLayout layout, PlexLayout plex, string disk, string operation, long offset, IOException e) => new()
    {
        DiskGroup = layout.DiskGroup, Volume = layout.Volume, Plex = plex.Name, Disk = disk, Offset = offset,
        Operation = ReferenceEquals(e, plex.Unopened) ? "Open" : operation,
        Message = (e.InnerException ?? e).Message, Time = DateTimeOffset.UtcNow,
    };

    private static void CheckRange(VolumeLayout layout, long offset, long length, bool write)
    {
        if (offset >= 0 && length >= 0 && offset + length <= layout.Size) return;
        throw new VolumeIoException(VolumeIoFailure.OutOfRange, ErrorIds.InvalidSize,
            $"Bytes {offset} to {offset + length} run past the end of volume '{layout.Volume}' ({layout.Size} bytes).");
    }

    private static void CheckAlignment(VolumeLayout layout, long offset, long length)
    {
        if (!layout.Direct || DiskHandle.Aligned(offset, length)) return;
        throw new VolumeIoException(VolumeIoFailure.Unaligned, ErrorIds.VolumeIoFailed,
            $"volume '{layout.Volume}' lies on a block device: requests must be {DiskHandle.DirectAlignment}-byte aligned (byte {offset}, length {length}).");
    }

    /// <summary>The range widened to whole sectors when the volume lies on a block device.</summary>
    private static (long Start, int Length) Widen(VolumeLayout layout, long offset, int length)
    {
        if (!layout.Direct) return (offset, length);
        const int a = DiskHandle.DirectAlignment;
        var start = offset / a * a;
        var end = (offset + length + a - 1) / a * a;
        return (start, (int)(end - start));
    }

    private AlignedBuffer Zeroes()
    {
        if (zeroes is { } z) return z;
        lock (sync)
        {
            if (zeroes is not null) return zeroes;
            var buffer = AlignedBuffer.Rent(ZeroChunk);
            buffer.Span(ZeroChunk).Clear();
            return zeroes = buffer;
        }
    }

    /// <summary>The volume's layout at the current configuration; a new configuration rescans disks and reopens what moved.</summary>
    private VolumeLayout Layout(string diskGroup, string volume)
    {
        var db = database();
        var current = cache;
        if (current is null || !ReferenceEquals(current.Database, db)) current = Rebuild(db);
        if (current.Layouts.TryGetValue((diskGroup, volume), out var layout)) return layout;
        var group = db.Find(diskGroup) ?? throw new VolumeIoException(VolumeIoFailure.NotFound, ErrorIds.DiskGroupNotFound, $"No disk group named '{diskGroup}' exists here.");
        var found = group.FindVolume(volume) ?? throw new VolumeIoException(VolumeIoFailure.NotFound, ErrorIds.VolumeNotFound, $"Disk group '{diskGroup}' has no volume named '{volume}'.");
        try { layout = VolumeLayout.Resolve(group, found, disks); }
        catch (IOException e) when (e is not VolumeIoException) { throw new VolumeIoException(VolumeIoFailure.DiskError, ErrorIds.DiskNotAccessible, e.Message, e); }
        return current.Layouts[(diskGroup, volume)] = layout;
    }

    private LayoutCache Rebuild(NodeDatabase db)
    {
        lock (sync)
        {
            if (cache is { } current && ReferenceEquals(current.Database, db)) return current;
            var inUse = db.All.SelectMany(g => g.Volumes).SelectMany(v => v.DiskNames).ToHashSet(StringComparer.Ordinal);
            disks.Refresh(inUse);
            return cache = new LayoutCache(db, new());
        }
    }

    public void Dispose()
    {
        Repairs?.Dispose();
        disks.Dispose();
    }
}
