using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Operations;

/// <summary>
/// Detaches a plex whose disk returned an I/O error to a node's kernel: the kernel asks for it, as a change of its own.
/// The plex is then neither read nor written, and the disk is marked Failing (errors seen) or Failed (unopenable).
/// </summary>
public sealed class DetachPlex : VolumeOperation
{
    public string Plex { get; set; } = "";
    /// <summary>The disk that failed.</summary>
    public string Disk { get; set; } = "";
    /// <summary>The node whose kernel saw the error.</summary>
    public string Node { get; set; } = "";
    /// <summary>The error, as the kernel saw it.</summary>
    public string Reason { get; set; } = "";
    /// <summary>The node could not open the disk at all (rather than getting errors from it).</summary>
    public bool DiskUnopenable { get; set; }

    public override string Describe() => $"detach plex '{Plex}' of volume '{Volume}' in disk group '{DiskGroup}' (disk '{Disk}' failed on node {Node}: {Reason})";

    protected override bool Apply(DiskGroup group)
    {
        if (Find(group)?.FindPlex(Plex) is not { IsAttached: true }) return false;
        var plex = Edit(group)!.FindPlex(Plex)!;
        plex.State = PlexStates.Detached;
        plex.Detach = new PlexDetach(Node, Disk, Reason);
        if (group.FindDisk(Disk) is { } disk && disk.State != DiskStates.Failed)
            disk.State = DiskUnopenable ? DiskStates.Failed : DiskStates.Failing;
        return true;
    }
}

/// <summary>
/// Moves subdisks of a plex to other disks and leaves the plex Stale, so it is resynchronised: the relocation of a
/// detached plex off a failed disk (each moved subdisk remembers the disk it came from), or the move back once that
/// disk is replaced (<see cref="Healed"/>: the disks marked Healthy again).
/// </summary>
public sealed class RelocatePlex : VolumeOperation
{
    public string Plex { get; set; } = "";
    /// <summary>The plex's subdisks after the move, in plex order.</summary>
    public List<Subdisk> Subdisks { get; set; } = [];
    public List<string> Healed { get; set; } = [];

    public override string Describe() =>
        $"relocate plex '{Plex}' of volume '{Volume}' in disk group '{DiskGroup}' to {string.Join(", ", Subdisks.Select(s => s.Disk).Distinct())}";

    protected override bool Apply(DiskGroup group)
    {
        if (Find(group)?.FindPlex(Plex) is null) return false;
        var plex = Edit(group)!.FindPlex(Plex)!;
        plex.Subdisks = Subdisks.Select(s => s.Clone()).ToList();
        plex.State = PlexStates.Stale;
        plex.Detach = null;
        foreach (var disk in group.Disks.Where(d => Healed.Contains(d.Name, StringComparer.Ordinal))) disk.State = DiskStates.Healthy;
        return true;
    }
}

/// <summary>Marks a disk of a group a hot spare (kept free for relocation) or not.</summary>
public sealed class SetDisk : Operation
{
    public string Disk { get; set; } = "";
    public bool Spare { get; set; }

    public override string Describe() => $"{(Spare ? "make" : "stop making")} disk '{Disk}' of disk group '{DiskGroup}' a hot spare";

    public override void ApplyTo(List<DiskGroup> groups, long generation)
    {
        if (groups.FirstOrDefault(g => NameRules.Same(g.Name, DiskGroup))?.FindDisk(Disk) is not { } disk || disk.Spare == Spare) return;
        disk.Spare = Spare;
        groups.First(g => NameRules.Same(g.Name, DiskGroup)).Generation = generation;
    }
}

/// <summary>Sets a disk group's detach policy.</summary>
public sealed class SetDiskGroup : Operation
{
    public string DetachPolicy { get; set; } = DetachPolicies.Global;

    public override string Describe() => $"set the detach policy of disk group '{DiskGroup}' to {DetachPolicy}";

    public override void ApplyTo(List<DiskGroup> groups, long generation)
    {
        if (groups.FirstOrDefault(g => NameRules.Same(g.Name, DiskGroup)) is not { } group || group.DetachPolicy == DetachPolicy) return;
        group.DetachPolicy = DetachPolicy;
        group.Generation = generation;
    }
}
