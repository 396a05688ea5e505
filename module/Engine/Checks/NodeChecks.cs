using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Checks;

/// <summary>The checks every member runs on a proposal, against its own database and the disks it can open.</summary>
public static class NodeChecks
{
    public static NodeCheckResult Run(string node, NodeDatabase db, IReadOnlyList<DiskInfo> visible, Transaction tx)
    {
        var checks = new List<CheckResult> { CheckResult.Pass(ErrorIds.AgentHealthy, $"agent on {node} is running") };
        if (tx.Scope == TransactionScope.Shared) checks.Add(Generation(node, db, tx));
        foreach (var op in tx.Operations) checks.AddRange(Operation(node, db, visible, tx, op));
        return NodeCheckResult.From(node, tx.Id, checks);
    }

    private static CheckResult Generation(string node, NodeDatabase db, Transaction tx) => db.Generation == tx.BaseGeneration
        ? CheckResult.Pass(ErrorIds.StaleGeneration, $"generation {db.Generation} matches")
        : CheckResult.Fail(ErrorIds.StaleGeneration, $"node {node} is at generation {db.Generation}, the proposal was made at {tx.BaseGeneration}.");

    private static IEnumerable<CheckResult> Operation(string node, NodeDatabase db, IReadOnlyList<DiskInfo> visible, Transaction tx, Operation op) => op switch
    {
        CreateDiskGroup c => CreateDiskGroup(node, db, visible, c),
        RemoveDiskGroup r => RemoveDiskGroup(node, db, tx, r),
        _ when VolumeChecks.Handles(op) => VolumeChecks.Node(node, InScope(db, tx, op.DiskGroup), visible, op),
        _ when ImportChecks.Handles(op) => ImportChecks.Node(node, db, InScope(db, tx, op.DiskGroup), visible, op),
        _ when MembershipChecks.Handles(op) => MembershipChecks.Node(node, op),
        RestoreDiskGroup r => BackupChecks.Node(node, InScope(db, tx, op.DiskGroup), visible, r),
        _ => [CheckResult.Fail(ErrorIds.TransactionAborted, $"node {node} does not know operation {op.GetType().Name}.")],
    };

    private static IEnumerable<CheckResult> CreateDiskGroup(string node, NodeDatabase db, IReadOnlyList<DiskInfo> visible, CreateDiskGroup op)
    {
        if (db.FindShared(op.DiskGroup) is not null)
            yield return CheckResult.Fail(ErrorIds.DiskGroupNameExists, $"node {node} already has a shared disk group named '{op.DiskGroup}'.");
        yield return db.FindPrivate(op.DiskGroup) is not null
            ? CheckResult.Fail(ErrorIds.PrivateDiskGroupNameConflict, $"node {node} has a private disk group named '{op.DiskGroup}'.")
            : CheckResult.Pass(ErrorIds.PrivateDiskGroupNameConflict, $"no private disk group named '{op.DiskGroup}'");
        foreach (var disk in op.Disks) yield return DiskUsable(node, db, visible, disk);
        yield return FailureChecks.Policy(op.DetachPolicy);
    }

    /// <summary>
    /// The disk opens here and no group holds it: neither by its private region nor by this node's configuration (a group
    /// committed by a master that died before writing its copies to the disks is not on them yet).
    /// </summary>
    private static CheckResult DiskUsable(string node, NodeDatabase db, IReadOnlyList<DiskInfo> visible, DiskRef wanted)
    {
        var disk = visible.FirstOrDefault(d => NameRules.Same(d.Name, wanted.Name) && d.Id == wanted.Id);
        if (disk is null) return CheckResult.Fail(ErrorIds.DiskNotAccessible, $"node {node} cannot open disk '{wanted.Name}'.");
        if (disk.DiskGroup is { } owner) return CheckResult.Fail(ErrorIds.DiskInUse, $"node {node} sees disk '{wanted.Name}' in use by disk group '{owner}'.");
        if (db.All.FirstOrDefault(g => g.Disks.Any(d => d.Id == wanted.Id)) is { } holder)
            return CheckResult.Fail(ErrorIds.DiskInUse, $"node {node} has disk '{wanted.Name}' in disk group '{holder.Name}' (its copy on the disk is not written yet).");
        return CheckResult.Pass(ErrorIds.DiskNotAccessible, $"disk '{wanted.Name}' opens at {disk.Path}");
    }

    /// <summary>The group a transaction of its scope changes: the shared one, or this node's private one.</summary>
    private static DiskGroup? InScope(NodeDatabase db, Transaction tx, string name) =>
        tx.Scope == TransactionScope.Shared ? db.FindShared(name) : db.FindPrivate(name);

    private static IEnumerable<CheckResult> RemoveDiskGroup(string node, NodeDatabase db, Transaction tx, RemoveDiskGroup op)
    {
        var group = InScope(db, tx, op.DiskGroup);
        yield return group is null
            ? CheckResult.Fail(ErrorIds.DiskGroupNotFound, $"node {node} has no disk group named '{op.DiskGroup}'.")
            : CheckResult.Pass(ErrorIds.DiskGroupNotFound, $"disk group '{op.DiskGroup}' exists");
    }
}
