using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.Checks;

/// <summary>The rules of the changes that handle disk failures: a kernel's detach, a hot spare, a group's detach policy.</summary>
internal static class FailureChecks
{
    /// <summary>
    /// A detach never takes a volume's last Active plex (its I/O fails instead). Under the Local policy every other node
    /// that still reaches the disk refuses, so the plex stays attached and only the node that saw the error fails its I/O.
    /// </summary>
    public static IEnumerable<CheckResult> Detach(string? node, DiskGroup group, IReadOnlyList<DiskInfo> visible, DetachPlex op, Volume volume)
    {
        if (volume.FindPlex(op.Plex) is not { } plex)
        {
            yield return CheckResult.Fail(ErrorIds.PlexNotFound, $"Volume '{volume.Name}' has no plex named '{op.Plex}'.");
            yield break;
        }
        yield return plex.IsAttached
            ? CheckResult.Pass(ErrorIds.InvalidPlexState, $"plex '{plex.Name}' is {plex.State}")
            : CheckResult.Fail(ErrorIds.InvalidPlexState, $"Plex '{plex.Name}' of volume '{volume.Name}' is already detached.");
        yield return plex.DiskNames.Contains(op.Disk, StringComparer.Ordinal)
            ? CheckResult.Pass(ErrorIds.DiskNotFound, $"plex '{plex.Name}' has a subdisk on disk '{op.Disk}'")
            : CheckResult.Fail(ErrorIds.DiskNotFound, $"Plex '{plex.Name}' of volume '{volume.Name}' has no subdisk on disk '{op.Disk}'.");
        yield return plex.IsActive && !volume.Plexes.Any(p => p != plex && p.IsActive)
            ? CheckResult.Fail(ErrorIds.LastPlex, $"Plex '{plex.Name}' is the last Active plex of volume '{volume.Name}'; it is never detached: I/O to the volume fails on disk '{op.Disk}' instead.")
            : CheckResult.Pass(ErrorIds.LastPlex, $"volume '{volume.Name}' keeps an Active plex");
        if (node is not null && node != op.Node && group.DetachPolicy == DetachPolicies.Local
            && visible.FirstOrDefault(d => NameRules.Same(d.Name, op.Disk) && d.Id == group.FindDisk(op.Disk)?.Id) is { } reached)
            yield return CheckResult.Fail(ErrorIds.DiskStillAccessible,
                $"node {node} still reaches disk '{op.Disk}' (at {reached.Path}); disk group '{group.Name}' detaches under the Local policy, so plex '{plex.Name}' stays attached and I/O fails only on node {op.Node}.");
    }

    public static IEnumerable<CheckResult> SetDisk(string? node, DiskGroup group, SetDisk op)
    {
        if (group.FindDisk(op.Disk) is null)
        {
            yield return CheckResult.Fail(ErrorIds.DiskNotFound, node is null
                ? $"Disk group '{group.Name}' has no disk named '{op.Disk}'."
                : $"node {node} has no disk '{op.Disk}' in disk group '{group.Name}'.");
            yield break;
        }
        yield return CheckResult.Pass(ErrorIds.DiskNotFound, $"disk '{op.Disk}' is in disk group '{group.Name}'");
        if (op.Spare && group.VolumesOn(op.Disk).FirstOrDefault() is { } holder)
            yield return CheckResult.Fail(ErrorIds.DiskHasSubdisks, $"Disk '{op.Disk}' holds subdisks of volume '{holder.Name}'; a hot spare is kept free for relocation. Move or remove them first.");
    }

    public static CheckResult Policy(string policy) => DetachPolicies.IsKnown(policy)
        ? CheckResult.Pass(ErrorIds.InvalidDetachPolicy, $"detach policy {policy}")
        : CheckResult.Fail(ErrorIds.InvalidDetachPolicy, $"'{policy}' is not a detach policy; use {DetachPolicies.Global} or {DetachPolicies.Local}.");
}
