using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Storage;

/// <summary>
/// One lease round on the real disks: on every initialised disk this node opens, the lease slot is read with a
/// positioned read and, where <see cref="DiskLease.MayTake"/> allows, overwritten with this node's lease and
/// flushed to the device before the next disk; then the slots are tallied (<see cref="DiskLease.Tally"/>).
/// </summary>
public sealed class DiskLeaseWriter(Action<string> log)
{
    public LeaseRenewed Renew(DiskLease lease, IReadOnlyList<DiskInfo> disks, DateTimeOffset now)
    {
        var slots = new List<DiskLease?>();
        foreach (var disk in disks) slots.Add(RenewOn(disk.Path, lease, now));
        var (holder, until) = DiskLease.Tally(slots, disks.Count, now);
        return new LeaseRenewed(now, disks.Count, holder, until);
    }

    private DiskLease? RenewOn(string path, DiskLease lease, DateTimeOffset now)
    {
        try
        {
            using var device = DiskDevice.Open(path, write: true);
            var current = DiskLease.Decode(device.Read(PrivateRegion.LeaseOffset, PrivateRegion.LeaseSize));
            if (!DiskLease.MayTake(current, lease.Holder, now)) return current;
            device.WriteDurably(PrivateRegion.LeaseOffset, lease.Encode());
            return lease;
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
