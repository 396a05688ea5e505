using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.Checks;

/// <summary>
/// The rules of the volume, plex and disk operations (issue 4), one set for both sides: the initiating
/// node runs them against its cluster view (<see cref="Local"/>), every member against its own database
/// and the disks it can open (<see cref="Node"/>). A passed check carries the name of the error it
/// would have reported, as the other checks do.
/// </summary>
public static class VolumeChecks
{
    public static bool Handles(Operation op) => op is VolumeOperation or Operations.AddDisk or Operations.RemoveDisk or Operations.SetDisk or Operations.SetDiskGroup;

    /// <summary>The initiating node's checks: names first (nothing else when one is invalid), then the rules against the view.</summary>
    public static List<CheckResult> Local(ClusterView view, Operation op)
    {
        var checks = Names(op);
        if (checks.Any(c => !c.Passed)) return checks;
        checks.AddRange(Rules(op, view.FindDiskGroup(op.DiskGroup), view.Disks, node: null));
        return checks;
    }

    /// <summary>A member's checks against its own copy of the group (null when it has none) and the disks it can open.</summary>
    public static List<CheckResult> Node(string node, DiskGroup? group, IReadOnlyList<DiskInfo> visible, Operation op) =>
        Rules(op, group, visible, node);

    private static List<CheckResult> Names(Operation op)
    {
        var checks = new List<CheckResult> { LocalChecks.Name(op.DiskGroup, "disk group") };
        if (op is VolumeOperation v) checks.Add(LocalChecks.Name(v.Volume, "volume"));
        // Plex names are looked up, never made up by the user: a 31-character volume's plexes have 34 (PlexNotFound covers the rest).
        switch (op)
        {
            case AddMirror m: checks.AddRange(m.Disks.Select(d => LocalChecks.Name(d, "disk"))); break;
            case AddDisk a: checks.AddRange(a.Disks.Select(d => LocalChecks.Name(d.Name, "disk"))); break;
            case RemoveDisk r: checks.AddRange(r.Disks.Select(d => LocalChecks.Name(d, "disk"))); break;
            case SetDisk d: checks.Add(LocalChecks.Name(d.Disk, "disk")); break;
        }
        return checks;
    }

    private static List<CheckResult> Rules(Operation op, DiskGroup? group, IReadOnlyList<DiskInfo> disks, string? node)
    {
        if (group is null)
            return [Fail(ErrorIds.DiskGroupNotFound, node is null ? $"No disk group named '{op.DiskGroup}' exists." : $"node {node} has no disk group named '{op.DiskGroup}'.")];
        var checks = new List<CheckResult> { Pass(ErrorIds.DiskGroupNotFound, $"disk group '{group.Name}' exists") };
        var side = new Side(node, group, disks);
        checks.AddRange(op switch
        {
            CreateVolume c => CreateVolume(side, c),
            RemoveVolume r => WithVolume(side, r, _ => []),
            ResizeVolume r => WithVolume(side, r, v => ResizeVolume(side, r, v)),
            AddMirror m => WithVolume(side, m, v => AddMirror(side, m, v)),
            RemoveMirror r => WithVolume(side, r, v => RemoveMirror(r, v)),
            SetPlexState s => WithVolume(side, s, v => SetPlexState(s, v)),
            AddDisk a => AddDisk(side, a),
            RemoveDisk r => RemoveDisk(side, r),
            DetachPlex d => WithVolume(side, d, v => FailureChecks.Detach(side.Node, side.Group, side.Disks, d, v)),
            RelocatePlex r => WithVolume(side, r, v => Relocate(side, r, v)),
            SetDisk d => FailureChecks.SetDisk(side.Node, side.Group, d),
            SetDiskGroup g => [FailureChecks.Policy(g.DetachPolicy)],
            _ => [Fail(ErrorIds.TransactionAborted, $"{op.GetType().Name} is not a volume or disk operation.")],
        });
        return checks;
    }

    /// <summary>Who runs the checks (no node: the initiating side), the group as that side has it, and the disks it sees.</summary>
    private sealed record Side(string? Node, DiskGroup Group, IReadOnlyList<DiskInfo> Disks)
    {
        public bool IsLocal => Node is null;
    }

    private static IEnumerable<CheckResult> CreateVolume(Side side, CreateVolume op)
    {
        var group = side.Group;
        var checks = new List<CheckResult>
        {
            group.FindVolume(op.Volume) is null
                ? Pass(ErrorIds.VolumeNameExists, $"no volume named '{op.Volume}' in disk group '{group.Name}'")
                : Fail(ErrorIds.VolumeNameExists, side.IsLocal
                    ? $"Disk group '{group.Name}' already has a volume named '{op.Volume}'."
                    : $"node {side.Node} already has a volume named '{op.Volume}' in disk group '{group.Name}'."),
            Size(op.SizeBytes, $"volume '{op.Volume}'"),
            Allocator.MirrorCountProblem(op.Mirrors) is { } mirrors
                ? Fail(ErrorIds.InvalidMirrorCount, mirrors)
                : Pass(ErrorIds.InvalidMirrorCount, $"{op.Mirrors} mirror(s)"),
        };
        if (checks.Any(c => !c.Passed)) return checks;
        if (op.Plexes.Count == 0)
        {
            checks.Add(Unresolved(side, op.Volume, () => Allocator.PlaceVolume(group, op.Volume, op.SizeBytes, op.Mirrors)));
            return checks;
        }
        var applied = Applied(group, op);
        var after = applied.FindVolume(op.Volume)!;
        var problem = op.Plexes.Count != op.Mirrors
            ? $"the layout of volume '{op.Volume}' has {op.Plexes.Count} plex(es); {op.Mirrors} mirror(s) were asked for."
            : op.Plexes.FirstOrDefault(p => !p.IsActive) is { } inactive
                ? $"plex '{inactive.Name}' of the new volume '{op.Volume}' is {inactive.State}; a new volume's plexes start Active."
                : LayoutRules.Problem(applied, after);
        checks.Add(Layout(side, problem, $"volume '{op.Volume}' fits: {Allocator.Describe(op.Plexes)}"));
        if (problem is null) checks.AddRange(Accessible(side, after));
        return checks;
    }

    private static IEnumerable<CheckResult> WithVolume(Side side, VolumeOperation op, Func<Volume, IEnumerable<CheckResult>> then)
    {
        if (side.Group.FindVolume(op.Volume) is not { } volume)
            return [Fail(ErrorIds.VolumeNotFound, side.IsLocal
                ? $"Disk group '{side.Group.Name}' has no volume named '{op.Volume}'."
                : $"node {side.Node} has no volume named '{op.Volume}' in disk group '{side.Group.Name}'.")];
        return [Pass(ErrorIds.VolumeNotFound, $"volume '{op.Volume}' exists"), .. then(volume)];
    }

    private static IEnumerable<CheckResult> ResizeVolume(Side side, ResizeVolume op, Volume volume)
    {
        var size = Size(op.SizeBytes, $"volume '{op.Volume}'");
        if (size.Passed && op.SizeBytes == volume.SizeBytes)
            size = Fail(ErrorIds.InvalidSize, $"Volume '{op.Volume}' is already {Sizes.Describe(op.SizeBytes)}; give a different size to grow or shrink it.");
        if (!size.Passed) return [size];
        if (op.Plexes.Count == 0) return [size, Unresolved(side, op.Volume, () => Allocator.PlaceResize(side.Group, volume, op.SizeBytes))];
        var laid = op.Plexes.Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var has = volume.Plexes.Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var after = Applied(side.Group, op);
        var problem = laid.SequenceEqual(has)
            ? LayoutRules.Problem(after, after.FindVolume(op.Volume)!)
            : $"the new layout of volume '{op.Volume}' is for plexes {string.Join(", ", laid)}, but the volume has {string.Join(", ", has)}.";
        var verb = op.SizeBytes > volume.SizeBytes ? "grows" : "shrinks";
        List<CheckResult> checks = [size, Layout(side, problem, $"volume '{op.Volume}' {verb} from {Sizes.Human(volume.SizeBytes)} to {Sizes.Human(op.SizeBytes)}: {Allocator.Describe(op.Plexes)}")];
        if (problem is null) checks.AddRange(Accessible(side, after.FindVolume(op.Volume)!));
        return checks;
    }

    private static IEnumerable<CheckResult> AddMirror(Side side, AddMirror op, Volume volume)
    {
        var checks = new List<CheckResult>();
        foreach (var disk in op.Disks.Distinct(StringComparer.Ordinal))
        {
            if (side.Group.FindDisk(disk) is null)
                checks.Add(Fail(ErrorIds.DiskNotFound, side.IsLocal
                    ? $"Disk group '{side.Group.Name}' has no disk named '{disk}'."
                    : $"node {side.Node} has no disk '{disk}' in disk group '{side.Group.Name}'."));
            else if (volume.Plexes.FirstOrDefault(p => p.DiskNames.Contains(disk)) is { } holder)
                checks.Add(Fail(ErrorIds.DiskInUse, $"Disk '{disk}' already holds plex '{holder.Name}' of volume '{volume.Name}'; a mirror must be on disks no other plex of the volume uses."));
        }
        if (checks.Count > 0) return checks;
        if (volume.Plexes.Count >= Allocator.MaxPlexes)
            return [Fail(ErrorIds.InvalidMirrorCount, $"Volume '{volume.Name}' already has {volume.Plexes.Count} plexes, the most a volume may have.")];
        if (op.Plex is null) return [Unresolved(side, op.Volume, () => Allocator.PlaceMirror(side.Group, volume, op.Disks))];
        var after = Applied(side.Group, op);
        string? problem;
        if (volume.FindPlex(op.Plex.Name) is not null) problem = $"volume '{volume.Name}' already has a plex named '{op.Plex.Name}'.";
        else if (op.Plex.State != PlexStates.Stale) problem = $"the new plex '{op.Plex.Name}' is {op.Plex.State}; a new mirror starts {PlexStates.Stale} until it is resynchronised.";
        else if (op.Disks.Count > 0 && op.Plex.DiskNames.FirstOrDefault(d => !op.Disks.Contains(d, StringComparer.Ordinal)) is { } outside)
            problem = $"the new plex '{op.Plex.Name}' uses disk '{outside}', which is not among the disks asked for ({string.Join(", ", op.Disks)}).";
        else problem = LayoutRules.Problem(after, after.FindVolume(op.Volume)!);
        checks.Add(Layout(side, problem, $"mirror fits: {Allocator.Describe([op.Plex])}"));
        if (problem is null) checks.AddRange(Accessible(side, after.FindVolume(op.Volume)!));
        return checks;
    }

    private static IEnumerable<CheckResult> RemoveMirror(RemoveMirror op, Volume volume)
    {
        if (volume.FindPlex(op.Plex) is not { } plex) return [NoPlex(volume, op.Plex)];
        var others = volume.Plexes.Where(p => p != plex).ToList();
        CheckResult last;
        if (others.Count == 0)
            last = Fail(ErrorIds.LastPlex, $"Plex '{plex.Name}' is the only plex of volume '{volume.Name}'; remove the volume instead (Remove-VmVolume).");
        else if (plex.IsActive && !others.Any(p => p.IsActive))
            last = Fail(ErrorIds.LastPlex, $"Plex '{plex.Name}' is the last Active plex of volume '{volume.Name}'; its other plexes ({string.Join(", ", others.Select(p => $"{p.Name}: {p.State}"))}) do not hold current data yet. Wait for their resynchronisation to finish.");
        else last = Pass(ErrorIds.LastPlex, $"volume '{volume.Name}' keeps {others.Count(p => p.IsActive)} Active plex(es)");
        return [Pass(ErrorIds.PlexNotFound, $"plex '{plex.Name}' exists"), last];
    }

    private static IEnumerable<CheckResult> SetPlexState(SetPlexState op, Volume volume)
    {
        if (volume.FindPlex(op.Plex) is not { } plex) return [NoPlex(volume, op.Plex)];
        if (PlexStates.Parse(op.State) is not { } state)
            return [Fail(ErrorIds.InvalidPlexState, $"'{op.State}' is not a plex state; a plex is {PlexStates.Names}.")];
        var demotesLast = state != PlexState.Active && plex.IsActive && !volume.Plexes.Any(p => p != plex && p.IsActive);
        return
        [
            Pass(ErrorIds.PlexNotFound, $"plex '{plex.Name}' exists"),
            Pass(ErrorIds.InvalidPlexState, $"'{op.State}' is a plex state"),
            demotesLast
                ? Fail(ErrorIds.LastPlex, $"Plex '{plex.Name}' is the last Active plex of volume '{volume.Name}'; it cannot be marked {op.State}.")
                : Pass(ErrorIds.LastPlex, $"volume '{volume.Name}' keeps an Active plex"),
        ];
    }

    private static IEnumerable<CheckResult> Relocate(Side side, RelocatePlex op, Volume volume)
    {
        if (volume.FindPlex(op.Plex) is null) return [NoPlex(volume, op.Plex)];
        var after = Applied(side.Group, op);
        var problem = op.Subdisks.Count == 0 ? $"the relocation of plex '{op.Plex}' carries no subdisk."
            : op.Subdisks.FirstOrDefault(s => side.Group.FindDisk(s.Disk) is { IsHealthy: false } && !op.Healed.Contains(s.Disk, StringComparer.Ordinal)) is { } bad
                ? $"subdisk '{bad.Name}' would be on disk '{bad.Disk}', which is {side.Group.FindDisk(bad.Disk)!.State}."
                : LayoutRules.Problem(after, after.FindVolume(op.Volume)!);
        List<CheckResult> checks = [Pass(ErrorIds.PlexNotFound, $"plex '{op.Plex}' exists"), Layout(side, problem, $"plex '{op.Plex}' fits on {string.Join(", ", op.Subdisks.Select(s => s.Disk).Distinct())}")];
        if (problem is null) checks.AddRange(Accessible(side, after.FindVolume(op.Volume)!));
        return checks;
    }

    private static IEnumerable<CheckResult> AddDisk(Side side, AddDisk op)
    {
        if (op.Disks.Count == 0) return [Fail(ErrorIds.DiskNotFound, $"No disk was named to add to disk group '{side.Group.Name}'.")];
        var checks = new List<CheckResult>();
        foreach (var wanted in op.Disks.DistinctBy(d => d.Name))
        {
            if (side.Group.FindDisk(wanted.Name) is not null)
            {
                checks.Add(Fail(ErrorIds.DiskInUse, side.IsLocal
                    ? $"Disk '{wanted.Name}' is already in disk group '{side.Group.Name}'."
                    : $"node {side.Node} already has disk '{wanted.Name}' in disk group '{side.Group.Name}'."));
                continue;
            }
            var disk = side.IsLocal
                ? side.Disks.FirstOrDefault(d => NameRules.Same(d.Name, wanted.Name))
                : side.Disks.FirstOrDefault(d => NameRules.Same(d.Name, wanted.Name) && d.Id == wanted.Id);
            if (disk is null)
                checks.Add(side.IsLocal
                    ? Fail(ErrorIds.DiskNotFound, $"No disk named '{wanted.Name}' is known to the cluster.")
                    : Fail(ErrorIds.DiskNotAccessible, $"node {side.Node} cannot open disk '{wanted.Name}'."));
            else if (disk.DiskGroup is { Length: > 0 } owner)
                checks.Add(Fail(ErrorIds.DiskInUse, side.IsLocal
                    ? $"Disk '{wanted.Name}' already belongs to disk group '{owner}'."
                    : $"node {side.Node} sees disk '{wanted.Name}' in use by disk group '{owner}'."));
            else checks.Add(Pass(ErrorIds.DiskInUse, $"disk '{wanted.Name}' is free{(side.IsLocal ? "" : $" and opens at {disk.Path}")}"));
        }
        return checks;
    }

    private static IEnumerable<CheckResult> RemoveDisk(Side side, RemoveDisk op)
    {
        var group = side.Group;
        if (op.Disks.Count == 0) return [Fail(ErrorIds.DiskNotFound, $"No disk was named to remove from disk group '{group.Name}'.")];
        var checks = new List<CheckResult>();
        var named = op.Disks.Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in named)
        {
            if (group.FindDisk(name) is null)
            {
                checks.Add(Fail(ErrorIds.DiskNotFound, side.IsLocal
                    ? $"Disk group '{group.Name}' has no disk named '{name}'."
                    : $"node {side.Node} has no disk '{name}' in disk group '{group.Name}'."));
                continue;
            }
            var holders = group.VolumesOn(name).ToList();
            checks.Add(holders.Count == 0
                ? Pass(ErrorIds.DiskHasSubdisks, $"disk '{name}' holds no subdisk")
                : Fail(ErrorIds.DiskHasSubdisks,
                    $"Disk '{name}' holds subdisks of {string.Join(", ", holders.Select(v => $"volume '{v.Name}' ({string.Join(", ", v.Plexes.SelectMany(p => p.Subdisks).Where(s => NameRules.Same(s.Disk, name)).Select(s => s.Name))})"))}; " +
                    "remove those volumes, or their plexes on it, first."));
        }
        var left = group.Disks.Count(d => !named.Contains(d.Name, StringComparer.Ordinal));
        checks.Add(left == 0
            ? Fail(ErrorIds.LastDisk, $"Removing {string.Join(", ", named)} would leave disk group '{group.Name}' without a disk; remove the disk group instead (Remove-VmDiskGroup).")
            : Pass(ErrorIds.LastDisk, $"disk group '{group.Name}' keeps {left} disk(s)"));
        return checks;
    }

    private static CheckResult Size(long sizeBytes, string what) => Allocator.SizeProblem(sizeBytes, what) is { } problem
        ? Fail(ErrorIds.InvalidSize, problem)
        : Pass(ErrorIds.InvalidSize, $"{Sizes.Describe(sizeBytes)} is a valid size");

    /// <summary>
    /// An operation without its layout. Locally, the allocator says why there is none (it is decided
    /// before the checks, so it could not be placed); a node never lays a volume out on its own.
    /// </summary>
    private static CheckResult Unresolved(Side side, string volume, Func<Placement> place)
    {
        if (!side.IsLocal) return Fail(ErrorIds.InvalidLayout, $"the proposal carries no subdisk layout for volume '{volume}'.");
        var placement = place();
        return placement.Succeeded
            ? Fail(ErrorIds.InvalidLayout, $"The operation on volume '{volume}' carries no subdisk layout; the initiating node lays it out (LayoutResolver.Resolve) before the checks.")
            : Fail(placement.ErrorId!, placement.Message);
    }

    private static CheckResult Layout(Side side, string? problem, string fits) => problem is null
        ? Pass(ErrorIds.InsufficientSpace, fits)
        : Fail(ErrorIds.InvalidLayout, side.IsLocal ? $"The planned layout is not valid: {problem}" : $"node {side.Node} cannot apply the planned layout: {problem}");

    /// <summary>On a node: every disk the volume has subdisks on opens here, with the identity the group records.</summary>
    private static IEnumerable<CheckResult> Accessible(Side side, Volume volume)
    {
        if (side.IsLocal) yield break;
        foreach (var name in volume.AttachedDiskNames)
        {
            var id = side.Group.FindDisk(name)?.Id;
            var disk = side.Disks.FirstOrDefault(d => NameRules.Same(d.Name, name) && d.Id == id);
            yield return disk is null
                ? Fail(ErrorIds.DiskNotAccessible, $"node {side.Node} cannot open disk '{name}', which volume '{volume.Name}' has subdisks on.")
                : Pass(ErrorIds.DiskNotAccessible, $"disk '{name}' opens at {disk.Path}");
        }
    }

    private static CheckResult NoPlex(Volume volume, string plex) => Fail(ErrorIds.PlexNotFound,
        $"Volume '{volume.Name}' has no plex named '{plex}'; its plexes are {string.Join(", ", volume.Plexes.Select(p => p.Name))}.");

    /// <summary>A copy of the group as the operation leaves it (the volumes it does not touch shared, as a commit would).</summary>
    private static DiskGroup Applied(DiskGroup group, Operation op)
    {
        List<DiskGroup> groups = [group.CopyForChange()];
        op.ApplyTo(groups, group.Generation);
        return groups[0];
    }

    private static CheckResult Pass(string id, string message) => CheckResult.Pass(id, message);
    private static CheckResult Fail(string id, string message) => CheckResult.Fail(id, message);
}
