using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.Checks;

/// <summary>The checks the initiating node runs against its own view before anything is sent.</summary>
public static class LocalChecks
{
    public static List<CheckResult> Run(ClusterView view, Operation op) => op switch
    {
        CreateDiskGroup c => CreateDiskGroup(view, c),
        RemoveDiskGroup r => RemoveDiskGroup(view, r),
        _ when VolumeChecks.Handles(op) => VolumeChecks.Local(view, op),
        _ when ImportChecks.Handles(op) => ImportChecks.Local(view, op),
        _ when MembershipChecks.Handles(op) => MembershipChecks.Local(view, op),
        RestoreDiskGroup r => BackupChecks.Local(view, r),
        _ => [CheckResult.Fail(ErrorIds.TransactionAborted, $"Unknown operation {op.GetType().Name}.")],
    };

    public static CheckResult Name(string? name, string what) => NameRules.Problem(name, what) is { } problem
        ? CheckResult.Fail(ErrorIds.InvalidName, problem)
        : CheckResult.Pass(ErrorIds.InvalidName, $"{what} name '{name}' is valid");

    private static List<CheckResult> CreateDiskGroup(ClusterView view, CreateDiskGroup op)
    {
        var checks = new List<CheckResult> { Name(op.DiskGroup, "disk group") };
        checks.AddRange(op.Disks.Select(d => Name(d.Name, "disk")));
        if (checks.Any(c => !c.Passed)) return checks;
        checks.Add(view.FindDiskGroup(op.DiskGroup) is { } existing
            ? CheckResult.Fail(ErrorIds.DiskGroupNameExists, $"A {(existing.Shared ? "shared" : "private")} disk group named '{op.DiskGroup}' already exists.")
            : CheckResult.Pass(ErrorIds.DiskGroupNameExists, $"no disk group named '{op.DiskGroup}'"));
        if (op.Disks.Count == 0)
            checks.Add(CheckResult.Fail(ErrorIds.DiskNotFound, "No disk was named for the disk group."));
        foreach (var disk in op.Disks) checks.Add(DiskIsFree(view, disk.Name));
        return checks;
    }

    private static CheckResult DiskIsFree(ClusterView view, string name)
    {
        var disk = view.FindDisk(name);
        if (disk is null) return CheckResult.Fail(ErrorIds.DiskNotFound, $"No disk named '{name}' is known to the cluster.");
        if (disk.DiskGroup is { } owner) return CheckResult.Fail(ErrorIds.DiskInUse, view.FindDiskGroup(owner) is null
            ? $"Disk '{name}' belongs to disk group '{owner}', which is not imported; Import-VmDiskGroup {owner} brings it back."
            : $"Disk '{name}' already belongs to disk group '{owner}'.");
        return CheckResult.Pass(ErrorIds.DiskInUse, $"disk '{name}' is free");
    }

    private static List<CheckResult> RemoveDiskGroup(ClusterView view, RemoveDiskGroup op)
    {
        var checks = new List<CheckResult> { Name(op.DiskGroup, "disk group") };
        if (!checks[0].Passed) return checks;
        var group = view.FindDiskGroup(op.DiskGroup);
        if (group is null)
        {
            checks.Add(CheckResult.Fail(ErrorIds.DiskGroupNotFound, $"No disk group named '{op.DiskGroup}' exists."));
            return checks;
        }
        checks.Add(group.Volumes.Count > 0 && !op.Force
            ? CheckResult.Fail(ErrorIds.DiskGroupHasVolumes, $"Disk group '{op.DiskGroup}' holds {group.Volumes.Count} volume(s); use -Force to destroy it with them.")
            : CheckResult.Pass(ErrorIds.DiskGroupHasVolumes, $"disk group '{op.DiskGroup}' may be removed"));
        return checks;
    }
}
