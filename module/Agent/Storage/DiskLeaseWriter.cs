using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Storage;

/// <summary>
/// One lease round on the real disks: on every initialised disk this node opens, the lease slot is read with a
/// positioned read and, where <see cref="DiskLease.MayTake"/> allows, overwritten with this node's lease and
/// flushed to the device before the next disk; then the slots are tallied (<see cref="DiskLease.Tally"/>).
/// Reading and writing a slot is not one step: the other node may read the same empty or expired slot and write
/// it between this node's read and write. So a slot counts for this node only when the round renews there the
/// very lease this node wrote in its previous round; a slot taken this round counts from the next, once it reads
/// back as this node's (a round's writes must land before the other node's next round, a quarter lease later).
/// The other node's lease states its expiry on that node's clock; this node takes it over only once it has also
/// seen the slot unchanged for the whole lease (expiry less renewal) on its own monotonic clock, so a clock running
/// ahead of the holder's cannot take a lease the holder goes on renewing. A slot that reads torn (the other node
/// writing it at that moment) is left alone, and taken only once it has read torn for a whole lease.
/// </summary>
public sealed class DiskLeaseWriter(Action<string> log, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>Per disk path, the lease this node last wrote there, as the slot stores it (milliseconds).</summary>
    private readonly Dictionary<string, DiskLease> written = new(StringComparer.Ordinal);

    /// <summary>Per disk path, the other node's lease last read there and the local timestamp it was first read unchanged.</summary>
    private readonly Dictionary<string, (DiskLease Lease, long Since)> foreign = new(StringComparer.Ordinal);

    public LeaseRenewed Renew(DiskLease lease, IReadOnlyList<DiskInfo> disks, DateTimeOffset now)
    {
        var slots = new List<DiskLease?>();
        foreach (var disk in disks) slots.Add(RenewOn(disk.Path, lease, now));
        var (holder, until) = DiskLease.Tally(slots, disks.Count, now);
        return new LeaseRenewed(now, disks.Count, holder, until);
    }

    /// <summary>Stands in <see cref="foreign"/> for a slot that reads torn (a write in progress, or one cut short).</summary>
    private static readonly DiskLease TornSlot = new("", 0, default, default);

    /// <summary>Whether this node has read the same foreign lease (or the same torn slot) in <paramref name="path"/>'s slot for at least <paramref name="term"/>, by its own clock.</summary>
    private bool UnchangedFor(string path, DiskLease current, TimeSpan term)
    {
        if (!foreign.TryGetValue(path, out var seen) || seen.Lease != current)
        {
            foreign[path] = (current, clock.GetTimestamp());
            return false;
        }
        return clock.GetElapsedTime(seen.Since) >= term;
    }

    private DiskLease? RenewOn(string path, DiskLease lease, DateTimeOffset now)
    {
        try
        {
            using var device = DiskDevice.Open(path, write: true);
            var read = device.Read(PrivateRegion.LeaseOffset, PrivateRegion.LeaseSize);
            var current = DiskLease.Decode(read);
            var renewed = current is not null && written.TryGetValue(path, out var mine) && mine == current;
            written.Remove(path);
            // A slot read while the other node writes it can come back torn: it is not free, only unreadable this round.
            if (current is null && read.AsSpan().IndexOfAnyExcept((byte)0) >= 0 && !UnchangedFor(path, TornSlot, lease.Expires - lease.Renewed)) return null;
            if (current is not null && current.Holder != lease.Holder && !UnchangedFor(path, current, current.Expires - current.Renewed)) return current;
            if (!DiskLease.MayTake(current, lease.Holder, now)) return current;
            foreign.Remove(path);
            var slot = lease.Encode();
            device.WriteDurably(PrivateRegion.LeaseOffset, slot);
            written[path] = DiskLease.Decode(slot)!;
            return renewed ? lease : null;
        }
        catch (IOException e)
        {
            log($"disk {path}: lease slot not written ({e.Message})");
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            log($"disk {path}: lease slot not written ({e.Message})");
            return null;
        }
    }
}
