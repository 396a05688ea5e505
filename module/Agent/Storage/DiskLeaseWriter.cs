using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Storage;

/// <summary>
/// One lease round on the real disks: on every initialised disk this node opens, the lease slot is read with a
/// positioned read and, where <see cref="LeaseSlots"/> says so, overwritten with this node's lease and flushed to the
/// device before the next disk. The round reports what each slot counts as; the node's machine counts the majority over
/// the whole disk set (<see cref="DiskLease.TallyOver"/>). A disk that cannot be read or written counts for no one.
/// </summary>
public sealed class DiskLeaseWriter(Action<string> log, TimeProvider? time = null)
{
    private readonly LeaseSlots slots = new(time ?? TimeProvider.System);

    public LeaseRenewed Renew(DiskLease lease, IReadOnlyList<DiskInfo> disks, DateTimeOffset now)
    {
        var counted = new List<LeaseSlotCount>();
        foreach (var disk in disks) counted.Add(new LeaseSlotCount(disk.Name, RenewOn(disk.Path, lease, now)));
        return new LeaseRenewed(now, counted);
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
