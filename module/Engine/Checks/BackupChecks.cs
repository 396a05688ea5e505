using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.Checks;

/// <summary>
/// The checks of writing a configuration backup back to its disk group: the backup is of this group (same id), and
/// its disks are the group's disks — the same ids under the same names, none more, none fewer — and each opens on the
/// node. A backup taken before a disk was added or removed, or of a group since recreated, is refused naming the disk.
/// </summary>
public static class BackupChecks
{
    public static List<CheckResult> Local(ClusterView view, RestoreDiskGroup op)
    {
        var checks = new List<CheckResult> { LocalChecks.Name(op.DiskGroup, "disk group") };
        if (!checks[0].Passed) return checks;
        var group = view.FindDiskGroup(op.DiskGroup);
        checks.Add(SameGroup(group, op, null));
        if (group is not null && group.Id == op.Backup.Id) checks.AddRange(SameDisks(group, op, null));
        return checks;
    }

    public static IEnumerable<CheckResult> Node(string node, DiskGroup? group, IReadOnlyList<DiskInfo> visible, RestoreDiskGroup op)
    {
        var same = SameGroup(group, op, node);
        yield return same;
        if (!same.Passed) yield break;
        foreach (var check in SameDisks(group!, op, node)) yield return check;
        foreach (var disk in op.Backup.Disks) yield return Opens(node, visible, disk);
    }

    private static CheckResult SameGroup(DiskGroup? group, RestoreDiskGroup op, string? node)
    {
        var who = node is null ? "" : $"node {node}: ";
        if (group is null) return CheckResult.Fail(ErrorIds.DiskGroupNotFound, $"{who}no disk group named '{op.DiskGroup}' is imported{(node is null ? "" : " there")}.");
        if (group.Id != op.Backup.Id)
            return CheckResult.Fail(ErrorIds.BackupNotFound,
                $"{who}the backup of generation {op.BackupGeneration} is of disk group id {op.Backup.Id}, not of the disk group '{op.DiskGroup}' imported now ({group.Id}).");
        return CheckResult.Pass(ErrorIds.BackupNotFound, $"the backup is of disk group '{op.DiskGroup}' ({group.Id})");
    }

    private static List<CheckResult> SameDisks(DiskGroup group, RestoreDiskGroup op, string? node)
    {
        var who = node is null ? "" : $"node {node}: ";
        var backup = $"the backup of generation {op.BackupGeneration}";
        var problems = new List<string>();
        foreach (var disk in op.Backup.Disks)
        {
            var now = group.Disks.FirstOrDefault(d => d.Id == disk.Id);
            if (now is null) problems.Add($"{who}disk '{disk.Name}' ({disk.Id}) of {backup} is no disk of disk group '{group.Name}' now.");
            else if (!NameRules.Same(now.Name, disk.Name)) problems.Add($"{who}disk '{disk.Name}' of {backup} is named '{now.Name}' in disk group '{group.Name}' now.");
        }
        foreach (var disk in group.Disks.Where(d => op.Backup.Disks.All(b => b.Id != d.Id)))
            problems.Add($"{who}disk '{disk.Name}' ({disk.Id}) of disk group '{group.Name}' is not in {backup}.");
        if (problems.Count == 0)
            return [CheckResult.Pass(ErrorIds.BackupDiskMismatch, $"the backup's disks are the disks of '{group.Name}': {string.Join(", ", group.Disks.Select(d => d.Name))}")];
        return problems.Select(p => CheckResult.Fail(ErrorIds.BackupDiskMismatch, p)).ToList();
    }

    private static CheckResult Opens(string node, IReadOnlyList<DiskInfo> visible, DiskRef disk) =>
        visible.FirstOrDefault(d => d.Id == disk.Id) is { } seen
            ? CheckResult.Pass(ErrorIds.DiskNotAccessible, $"disk '{disk.Name}' opens at {seen.Path}")
            : CheckResult.Fail(ErrorIds.DiskNotAccessible, $"node {node} cannot open disk '{disk.Name}' ({disk.Id}).");
}
