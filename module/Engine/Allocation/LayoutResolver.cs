using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.Allocation;

/// <summary>
/// The initiating node's step before its local checks: fills in what the operations leave to the engine —
/// the ids and sizes of disks to add, the subdisk layout of a new volume, a resize or a new mirror — from
/// its cluster view. Operations are resolved in order, each against the view as the earlier ones leave it.
/// What is already filled in is kept, so resolving twice changes nothing; an operation that cannot be laid
/// out is left without a layout, and the local checks say why.
/// </summary>
public static class LayoutResolver
{
    public static void Resolve(ClusterView view, IReadOnlyList<Operation> operations)
    {
        var groups = view.DiskGroups.ToList();
        DiskGroup.CopyForChange(groups, operations.Select(op => op.DiskGroup).ToList());
        foreach (var op in operations)
        {
            var group = groups.FirstOrDefault(g => NameRules.Same(g.Name, op.DiskGroup));
            switch (op)
            {
                case AddDisk add:
                    foreach (var disk in add.Disks)
                        if (disk.Id == Guid.Empty && view.FindDisk(disk.Name) is { } known) { disk.Id = known.Id; disk.SizeBytes = known.SizeBytes; }
                    break;
                case CreateVolume create when create.Plexes.Count == 0 && group is not null && group.FindVolume(create.Volume) is null:
                    if (Allocator.PlaceVolume(group, create.Volume, create.SizeBytes, create.Mirrors) is { Succeeded: true } placed)
                        create.Plexes = placed.Plexes;
                    break;
                case ResizeVolume resize when resize.Plexes.Count == 0 && group?.FindVolume(resize.Volume) is { } volume:
                    if (Allocator.PlaceResize(group, volume, resize.SizeBytes) is { Succeeded: true } resized)
                        resize.Plexes = resized.Plexes;
                    break;
                case AddMirror mirror when mirror.Plex is null && group?.FindVolume(mirror.Volume) is { } volume:
                    if (Allocator.PlaceMirror(group, volume, mirror.Disks) is { Succeeded: true } added)
                        mirror.Plex = added.Plexes[0];
                    break;
            }
            op.ApplyTo(groups, group?.Generation ?? 0);
        }
    }
}
