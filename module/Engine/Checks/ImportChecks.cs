using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.Checks;

/// <summary>The checks of importing a disk group from its disks, and of deporting one to them.</summary>
public static class ImportChecks
{
    public static bool Handles(Operation op) => op is ImportDiskGroup or DeportDiskGroup;

    public static List<CheckResult> Local(ClusterView view, Operation op) => op switch
    {
        ImportDiskGroup i => LocalImport(view, i),
        DeportDiskGroup d => LocalDeport(view, d),
        _ => [],
    };

    public static IEnumerable<CheckResult> Node(string node, NodeDatabase db, DiskGroup? inScope, IReadOnlyList<DiskInfo> visible, Operation op) => op switch
    {
        ImportDiskGroup i => NodeImport(node, db, visible, i),
        DeportDiskGroup d => [Exists(inScope, d.DiskGroup, node)],
        _ => [],
    };

    private static List<CheckResult> LocalImport(ClusterView view, ImportDiskGroup op)
    {
        var checks = new List<CheckResult> { LocalChecks.Name(op.DiskGroup, "disk group") };
        if (!checks[0].Passed) return checks;
        checks.Add(view.FindDiskGroup(op.DiskGroup) is { } existing
            ? CheckResult.Fail(ErrorIds.DiskGroupNameExists, $"A {(existing.Shared ? "shared" : "private")} disk group named '{op.DiskGroup}' is already imported.")
            : CheckResult.Pass(ErrorIds.DiskGroupNameExists, $"no disk group named '{op.DiskGroup}' is imported"));
        foreach (var disk in op.Group.Disks) checks.Add(Belongs(view.Disks.FirstOrDefault(d => d.Id == disk.Id), disk, op.Group, null));
        return checks;
    }

    private static IEnumerable<CheckResult> NodeImport(string node, NodeDatabase db, IReadOnlyList<DiskInfo> visible, ImportDiskGroup op)
    {
        yield return db.FindShared(op.DiskGroup) is not null || db.FindPrivate(op.DiskGroup) is not null
            ? CheckResult.Fail(ErrorIds.DiskGroupNameExists, $"node {node} already has a disk group named '{op.DiskGroup}'.")
            : CheckResult.Pass(ErrorIds.DiskGroupNameExists, $"no disk group named '{op.DiskGroup}'");
        foreach (var disk in op.Group.Disks) yield return Belongs(visible.FirstOrDefault(d => d.Id == disk.Id), disk, op.Group, node);
    }

    /// <summary>The disk is visible and its identity still names the group being imported (nobody reused it meanwhile).</summary>
    private static CheckResult Belongs(DiskInfo? seen, DiskRef disk, DiskGroup group, string? node)
    {
        if (seen is null) return CheckResult.Fail(ErrorIds.DiskNotAccessible, NotSeen(disk, group, node));
        if (seen.DiskGroupId != group.Id)
            return CheckResult.Fail(ErrorIds.DiskInUse, $"{(node is null ? "Disk" : $"node {node} sees disk")} '{disk.Name}' {Owner(seen)} now, not to '{group.Name}'.");
        return CheckResult.Pass(ErrorIds.DiskNotAccessible, $"disk '{disk.Name}' of '{group.Name}' opens at {seen.Path}");
    }

    private static string Owner(DiskInfo seen) => seen.DiskGroup is null ? "belongs to no disk group" : $"belongs to disk group '{seen.DiskGroup}'";

    private static string NotSeen(DiskRef disk, DiskGroup group, string? node) => node is null
        ? $"Disk '{disk.Name}' of disk group '{group.Name}' is not visible from this node."
        : $"node {node} cannot open disk '{disk.Name}' of disk group '{group.Name}'.";

    private static List<CheckResult> LocalDeport(ClusterView view, DeportDiskGroup op)
    {
        var checks = new List<CheckResult> { LocalChecks.Name(op.DiskGroup, "disk group") };
        if (checks[0].Passed) checks.Add(Exists(view.FindDiskGroup(op.DiskGroup), op.DiskGroup, null));
        return checks;
    }

    private static CheckResult Exists(DiskGroup? group, string name, string? node) => group is null
        ? CheckResult.Fail(ErrorIds.DiskGroupNotFound, node is null ? $"No disk group named '{name}' exists." : $"node {node} has no disk group named '{name}'.")
        : CheckResult.Pass(ErrorIds.DiskGroupNotFound, $"disk group '{name}' exists");
}
