using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Simulation;

/// <summary>The shared disks every node can reach, with what each one's private region says (written by the master's WriteDiskCopies).</summary>
public sealed class SimDisks
{
    private sealed class Disk
    {
        public string Name = "";
        public Guid Id;
        public long SizeBytes;
        public string? Group;
        public Guid? GroupId;
        /// <summary>The configuration copy in the private region, and the generation it was written at.</summary>
        public DiskGroup? Copy;
        public long Generation;
        public byte[] LeaseSlot = new byte[PrivateRegion.LeaseSize];
    }

    private readonly List<Disk> disks = [];

    internal SimDisks(int count, Func<Guid> newId)
    {
        for (var i = 1; i <= count; i++)
            disks.Add(new Disk { Name = $"disk{i:D2}", Id = newId(), SizeBytes = 1L << 30 });
    }

    public IEnumerable<string> Names => disks.Select(d => d.Name);

    /// <summary>Disks whose private region names no disk group.</summary>
    public IEnumerable<string> Free => disks.Where(d => d.Group is null).Select(d => d.Name);

    /// <summary>What a node's disk scan finds: every disk it can open, with its private region's disk group.</summary>
    public List<DiskInfo> Visible(SimNode node) => disks.Where(d => !node.InvisibleDisks.Contains(d.Name)).Select(d => new DiskInfo
    {
        Name = d.Name, Id = d.Id, Path = $"/dev/sim/{d.Name}", SizeBytes = d.SizeBytes, DiskGroup = d.Group, DiskGroupId = d.GroupId,
    }).ToList();

    /// <summary>The master's disk-copy step, as the agent's DiskCopyWriter does it (only disks the master can open are written).</summary>
    internal void Write(SimNode master, NodeDatabase before, NodeDatabase after, IEnumerable<string> groups)
    {
        foreach (var name in groups)
        {
            var group = after.Find(name);
            var previous = before.Find(name);
            foreach (var disk in group?.Disks ?? []) Region(master, disk, group);
            foreach (var released in (previous?.Disks ?? []).Where(d => group?.Disks.All(k => k.Id != d.Id) ?? true)) Region(master, released, null);
        }
    }

    /// <summary>The configuration copies on the disks, as the agent's DiskCopyReader reports them to an import.</summary>
    public List<DiskCopy> Copies() => disks.Where(d => d.Copy is not null).Select(d => new DiskCopy
    {
        Path = $"/dev/sim/{d.Name}", DiskName = d.Name, DiskId = d.Id, DiskGroup = d.Group!, DiskGroupId = d.GroupId!.Value,
        Generation = d.Generation, Group = d.Copy,
    }).ToList();

    /// <summary>What the lease slot of a disk holds.</summary>
    public DiskLease? LeaseOn(string disk) => DiskLease.Decode(disks.Single(d => d.Name == disk).LeaseSlot);

    /// <summary>
    /// One lease round of a node, by the agent's rules (<see cref="LeaseSlots"/>, as DiskLeaseWriter runs them): on
    /// every disk the node can open, the slot is read and overwritten where the node's rules say so. The node's machine
    /// counts the majority over the whole disk set, as the agent's does.
    /// </summary>
    internal LeaseRenewed RenewLease(SimNode node, DiskLease lease, DateTimeOffset now)
    {
        var counted = new List<LeaseSlotCount>();
        foreach (var disk in disks.Where(d => !node.InvisibleDisks.Contains(d.Name)))
        {
            var step = node.Leases.Next(disk.Name, disk.LeaseSlot, lease, now);
            if (step.Write is { } slot)
            {
                disk.LeaseSlot = slot;
                node.Leases.Wrote(disk.Name, slot);
            }
            counted.Add(new LeaseSlotCount(disk.Name, step.Counts));
        }
        return new LeaseRenewed(now, counted);
    }

    private void Region(SimNode master, DiskRef disk, DiskGroup? group)
    {
        var found = disks.FirstOrDefault(d => d.Id == disk.Id);
        if (found is null || master.InvisibleDisks.Contains(found.Name)) return;
        found.Group = group?.Name;
        found.GroupId = group?.Id;
        found.Copy = group;
        found.Generation = group?.Generation ?? 0;
    }
}
