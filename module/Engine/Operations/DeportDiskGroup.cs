using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Operations;

/// <summary>
/// Takes a disk group out of the configuration and leaves it on its disks: the master writes the group's last
/// configuration copy to every one of its disks, so <see cref="ImportDiskGroup"/> can bring it back, here or elsewhere.
/// </summary>
public sealed class DeportDiskGroup : Operation
{
    public override string Describe() => $"deport disk group '{DiskGroup}'";

    public override void ApplyTo(List<DiskGroup> groups, long generation) =>
        groups.RemoveAll(g => NameRules.Same(g.Name, DiskGroup));
}
