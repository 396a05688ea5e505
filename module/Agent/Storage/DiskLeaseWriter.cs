using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Storage;

/// <summary>
/// One lease round on the real disks: on every initialised disk this node opens, the lease slot is read with a
/// positioned read and, where <see cref="LeaseSlots"/> says so, overwritten with this node's lease and flushed to the
/// device before the next disk; then the slots are tallied (<see cref="DiskLease.Tally"/>). A disk that cannot be
/// read or written counts for no one this round.
/// </summary>
public sealed class DiskLeaseWriter(Action<string> log, TimeProvider? time = null)
{
    private readonly LeaseSlots slots = new(time ?? TimeProvider.System);

    public LeaseRenewed Renew(DiskLease lease, IReadOnlyList<DiskInfo> disks, DateTimeOffset now)
    {
        var counted = new List<DiskLease?>();
        foreach (var disk in disks) counted.Add(RenewOn(disk.Path, lease, now));
        var (holder, until) = DiskLease.Tally(counted, disks.Count, now);
        return new LeaseRenewed(now, disks.Count, holder, until);
    }

    private DiskLease? RenewOn(string path, DiskLease lease, DateTimeOffset now)
    {
        try
        {
            using var device = DiskDevice.Open(path, write: true);
            var step = slots.Next(path, device.Read(PrivateRegion.LeaseOffset, PrivateRegion.LeaseSize), lease, now);
            if (step.Write is { } slot)
            {
                device.WriteDurably(PrivateRegion.LeaseOffset, slot);
                slots.Wrote(path, slot);
            }
            return step.Counts;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log($"disk {path}: lease slot not written ({e.Message})");
            return null;
        }
    }
}
