using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Storage;

/// <summary>The master's commit step on disk: each changed group's configuration copy written into its disks' private regions.</summary>
public sealed class DiskCopyWriter(Action<string> log)
{
    public void Write(NodeDatabase before, NodeDatabase after, IEnumerable<string> groups, IReadOnlyList<DiskInfo> visible, IReadOnlyCollection<string> deported)
    {
        foreach (var name in groups)
        {
            var previous = before.Find(name);
            var group = deported.Contains(name) ? Deported(previous, after.Generation) : after.Find(name);
            byte[]? copy = null; // the same for every disk of the group: encoded once
            foreach (var disk in group?.Disks ?? [])
                WriteRegion(visible, disk, group, ref copy);
            foreach (var released in (previous?.Disks ?? []).Where(d => group?.Disks.All(k => k.Id != d.Id) ?? true))
            {
                byte[]? none = null;
                WriteRegion(visible, released, null, ref none);
            }
        }
    }

    /// <summary>A deported group's copy: as it was, stamped with the generation that deported it, so an import finds it newest.</summary>
    private static DiskGroup? Deported(DiskGroup? group, long generation)
    {
        if (group is null) return null;
        var copy = group.CopyForChange();
        copy.Generation = generation;
        return copy;
    }

    private void WriteRegion(IReadOnlyList<DiskInfo> visible, DiskRef disk, DiskGroup? group, ref byte[]? copy)
    {
        var found = visible.FirstOrDefault(d => d.Id == disk.Id);
        if (found is null) { log($"disk {disk.Name} is not visible here; its configuration copy was not written"); return; }
        var content = new PrivateRegionContent
        {
            DiskId = disk.Id, DiskName = disk.Name,
            DiskGroup = group?.Name ?? "", DiskGroupId = group?.Id ?? Guid.Empty,
            Generation = group?.Generation ?? 0,
            ConfigCopy = group,
        };
        try
        {
            using var device = DiskDevice.Open(found.Path, write: true);
            copy ??= PrivateRegion.EncodeCopy(content);
            device.WriteDurably(0, PrivateRegion.Encode(content, copy));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A failing disk keeps the commit from no other disk: its copy is simply older, as a missing disk's is.
            log($"disk {disk.Name}: configuration copy not written ({e.Message})");
        }
    }
}
