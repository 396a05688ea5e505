using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Cmdlets.Objects;

/// <summary>Engine records to the objects users see.</summary>
internal static class ObjectMapper
{
    public static VmDiskGroup ToObject(DiskGroup group, string node) => new()
    {
        Name = group.Name, Id = group.Id, Shared = group.Shared, Owner = group.Owner,
        Disks = group.Disks.Select(d => d.Name).ToArray(),
        Volumes = group.Volumes.Select(v => v.Name).ToArray(),
        Generation = group.Generation, SizeBytes = group.SizeBytes,
        FreeBytes = group.FreeBytes,
        DetachPolicy = group.DetachPolicy,
        Spares = group.Disks.Where(d => d.Spare).Select(d => d.Name).ToArray(),
        Node = node,
    };

    public static VmNodeCheckResult ToObject(NodeCheckResult result) => new()
    {
        Node = result.Node, TransactionId = result.TransactionId, Passed = result.Passed, Message = result.Message,
        Checks = result.Checks.Select(c => new VmCheck { Name = c.Name, Passed = c.Passed, Message = c.Message }).ToArray(),
    };

    public static NodeCheckResult FromObject(VmNodeCheckResult result) => new()
    {
        Node = result.Node, TransactionId = result.TransactionId, Passed = result.Passed, Message = result.Message,
        Checks = result.Checks.Select(c => new CheckResult { Name = c.Name, Passed = c.Passed, Message = c.Message }).ToList(),
    };

    public static VmTransaction ToObject(TransactionRecord record, string node) => new()
    {
        Id = record.Transaction.Id,
        Operations = record.Transaction.Operations.Select(o => o.Describe()).ToArray(),
        Initiator = record.Transaction.Initiator,
        Coordinator = record.Transaction.Coordinator,
        State = record.State.ToString(),
        Generation = record.Generation,
        FailedNodes = [.. record.FailedNodes],
        ErrorId = record.ErrorId, Error = record.Error,
        Started = record.Transaction.Started,
        Duration = record.Updated > record.Transaction.Started ? record.Updated - record.Transaction.Started : TimeSpan.Zero,
        FreezeMilliseconds = record.FreezeMilliseconds,
        Node = node,
        Phases = record.Phases.Select(p => new VmTransactionPhase
        {
            Phase = p.Phase, Node = p.Node, At = p.At,
            Offset = p.At > record.Transaction.Started ? p.At - record.Transaction.Started : TimeSpan.Zero,
        }).ToArray(),
    };

    /// <summary>
    /// A disk; <paramref name="deported"/> when its private region names a group no node has imported; <paramref name="recorded"/>
    /// is the disk as its imported group records it (its health and spare flag).
    /// </summary>
    public static VmDisk ToObject(DiskInfo disk, bool deported = false, DiskRef? recorded = null) => new()
    {
        Name = disk.Name, Id = disk.Id, Path = disk.Path, Size = disk.SizeBytes, DiskGroup = disk.DiskGroup,
        State = recorded is { IsHealthy: false } ? recorded.State : disk.DiskGroup is null ? "Free" : deported ? "Deported" : "InUse",
        Spare = recorded?.Spare ?? false,
        AccessibleFrom = [.. disk.AccessibleFrom],
    };
}
