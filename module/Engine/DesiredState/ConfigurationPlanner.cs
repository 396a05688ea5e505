using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.DesiredState;

/// <summary>
/// Compares a desired configuration with the live one and orders the transactions that reach it. Pure.
/// <para>Order: with -Prune, first everything that removes or shrinks (undeclared disk groups; then per declared
/// group its undeclared volumes, surplus mirrors, shrinks and undeclared disks), so that freed disks and space
/// can be reused; then per declared group in file order: create it (or add its missing disks), then its volumes
/// (create, grow, add mirrors). One operation per transaction.</para>
/// <para>Without -Prune nothing is removed or shrunk: shrinking discards the data past the new end, so a volume
/// larger than declared is drift that only -Prune resolves.</para>
/// </summary>
public static class ConfigurationPlanner
{
    public static ConfigurationPlan Plan(DesiredConfiguration desired, LiveConfiguration live, bool prune)
    {
        var plan = new Builder(desired, live, prune);
        foreach (var group in live.DiskGroups.Where(g => desired.FindDiskGroup(g.Name) is null)) plan.Undeclared(group);
        foreach (var group in desired.DiskGroups) plan.Declared(group);
        return plan.Build();
    }

    private sealed class Builder(DesiredConfiguration desired, LiveConfiguration live, bool prune)
    {
        private readonly List<Drift> drifts = [];
        private readonly List<PlannedChange> removals = [];
        private readonly List<PlannedChange> additions = [];

        public ConfigurationPlan Build() => new() { Drifts = drifts, Changes = [.. removals, .. additions] };

        public void Undeclared(DiskGroup group)
        {
            Drift(DriftKind.DiskGroupNotDeclared, group.Name, null, "(not in the file)", Describe(group), DriftResolution.Prune,
                $"disk group '{group.Name}' is not in the file");
            Remove(new RemoveDiskGroup { DiskGroup = group.Name, Force = true }, Owner(group), "Remove disk group", group.Name,
                $"remove {Scope(group)} disk group '{group.Name}' and its {Count(group.Volumes.Count, "volume")}");
        }

        public void Declared(DesiredDiskGroup want)
        {
            if (!KnownTargets(want)) return;
            var have = live.FindDiskGroup(want.Name);
            if (have is null) { Create(want); return; }
            if (have.Shared != want.Shared)
            {
                Drift(DriftKind.SharedDiffers, want.Name, null, want.Shared ? "shared" : "private", have.Shared ? "shared" : "private", DriftResolution.Conflict,
                    $"{want.Location}: disk group '{want.Name}' is {(have.Shared ? "shared" : $"private to node {have.Owner}")} in the cluster but {(want.Shared ? "shared" : "private")} in the file; no change converts it");
                return;
            }
            if (!want.Shared && !NameRules.Same(have.Owner ?? "", want.Node!))
            {
                Drift(DriftKind.OwnerDiffers, want.Name, null, want.Node!, have.Owner ?? "", DriftResolution.Conflict,
                    $"{want.Location}: private disk group '{want.Name}' belongs to node {have.Owner} in the cluster but to node {want.Node} in the file; no change moves it");
                return;
            }
            Volumes(want, have);
            Disks(want, have);
        }

        /// <summary>False (with conflicts) when the file names a node or disk the cluster does not have, or a disk another group keeps.</summary>
        private bool KnownTargets(DesiredDiskGroup want)
        {
            var known = true;
            if (!want.Shared && !live.Nodes.Contains(want.Node!, StringComparer.Ordinal))
            {
                Drift(DriftKind.NodeNotFound, want.Name, null, want.Node!, "(no such node)", DriftResolution.Conflict,
                    $"{want.Location}: disk group '{want.Name}' is private to node {want.Node}, which is not a member of the cluster ({string.Join(", ", live.Nodes)})");
                known = false;
            }
            foreach (var disk in want.Disks)
            {
                if (!live.Disks.Contains(disk, StringComparer.Ordinal))
                {
                    Drift(DriftKind.DiskNotFound, want.Name, null, disk, "(no such disk)", DriftResolution.Conflict,
                        $"{want.Location}: disk group '{want.Name}' lists disk '{disk}', which no node of the cluster has");
                    known = false;
                }
                else if (KeptElsewhere(disk, want.Name) is { } other)
                {
                    Drift(DriftKind.DiskInOtherGroup, want.Name, null, disk, $"in disk group '{other}'", DriftResolution.Conflict,
                        $"{want.Location}: disk group '{want.Name}' lists disk '{disk}', which belongs to disk group '{other}'" +
                        (prune ? "" : "; -Prune would take it out of that group if the file omits it there"));
                    known = false;
                }
            }
            return known;
        }

        /// <summary>The other live group that holds the disk and keeps it after this plan's removals; null when none.</summary>
        private string? KeptElsewhere(string disk, string group)
        {
            var holder = live.DiskGroups.FirstOrDefault(g => !NameRules.Same(g.Name, group) && g.FindDisk(disk) is not null);
            if (holder is null) return null;
            var declared = desired.FindDiskGroup(holder.Name);
            var released = prune && (declared is null || !declared.Disks.Contains(disk, StringComparer.Ordinal));
            return released ? null : holder.Name;
        }

        private void Create(DesiredDiskGroup want)
        {
            var scope = want.Shared ? "shared" : $"private (node {want.Node})";
            Drift(DriftKind.DiskGroupMissing, want.Name, null, $"{scope} on {string.Join(", ", want.Disks)}", "(absent)", DriftResolution.Apply,
                $"disk group '{want.Name}' does not exist");
            Add(new CreateDiskGroup
            {
                DiskGroup = want.Name, Shared = want.Shared, Owner = want.Node,
                Disks = want.Disks.Select(d => new DiskRef { Name = d }).ToList(),
            }, want.Node, "Create disk group", want.Name, $"create {scope} disk group '{want.Name}' on {string.Join(", ", want.Disks)}");
            foreach (var volume in want.Volumes) CreateVolume(want, volume);
        }

        private void Disks(DesiredDiskGroup want, DiskGroup have)
        {
            var missing = want.Disks.Where(d => have.FindDisk(d) is null).ToList();
            var extra = have.Disks.Select(d => d.Name).Where(d => !want.Disks.Contains(d, StringComparer.Ordinal)).ToList();
            foreach (var disk in missing)
                Drift(DriftKind.DiskMissing, want.Name, null, disk, "(not in the group)", DriftResolution.Apply, $"disk '{disk}' is not in disk group '{want.Name}'");
            foreach (var disk in extra)
                Drift(DriftKind.DiskNotDeclared, want.Name, null, "(not in the file)", disk, DriftResolution.Prune, $"disk '{disk}' of disk group '{want.Name}' is not in the file");
            if (extra.Count > 0)
                Remove(new RemoveDisk { DiskGroup = want.Name, Disks = extra }, want.Node, "Remove disks", want.Name,
                    $"remove {Count(extra.Count, "disk")} {string.Join(", ", extra)} from disk group '{want.Name}'");
            if (missing.Count > 0)
                additions.Insert(FirstAdditionOf(want.Name), Change(new AddDisk { DiskGroup = want.Name, Disks = missing.Select(d => new DiskRef { Name = d }).ToList() },
                    want.Node, "Add disks", want.Name, $"add {Count(missing.Count, "disk")} {string.Join(", ", missing)} to disk group '{want.Name}'", false));
        }

        private void Volumes(DesiredDiskGroup want, DiskGroup have)
        {
            foreach (var volume in have.Volumes.Where(v => want.FindVolume(v.Name) is null))
            {
                Drift(DriftKind.VolumeNotDeclared, want.Name, volume.Name, "(not in the file)", Describe(volume), DriftResolution.Prune,
                    $"volume '{volume.Name}' of disk group '{want.Name}' is not in the file");
                Remove(new RemoveVolume { DiskGroup = want.Name, Volume = volume.Name }, want.Node, "Remove volume", $"{want.Name}/{volume.Name}",
                    $"remove volume '{volume.Name}' ({Sizes.Human(volume.SizeBytes)}) from disk group '{want.Name}'");
            }
            foreach (var volume in want.Volumes)
            {
                if (have.FindVolume(volume.Name) is { } existing) Volume(want, volume, existing);
                else CreateVolume(want, volume);
            }
        }

        private void CreateVolume(DesiredDiskGroup group, DesiredVolume volume)
        {
            var mirrors = volume.Mirrors == 1 ? "" : $" with {volume.Mirrors} mirrors";
            Drift(DriftKind.VolumeMissing, group.Name, volume.Name, $"{SizeLiteral.Format(volume.SizeBytes)}{mirrors}", "(absent)", DriftResolution.Apply,
                $"volume '{volume.Name}' of disk group '{group.Name}' does not exist");
            Add(new CreateVolume { DiskGroup = group.Name, Volume = volume.Name, SizeBytes = volume.SizeBytes, Mirrors = volume.Mirrors },
                group.Node, "Create volume", $"{group.Name}/{volume.Name}",
                $"create volume '{volume.Name}' of {Sizes.Human(volume.SizeBytes)}{mirrors} in disk group '{group.Name}'");
        }

        private void Volume(DesiredDiskGroup group, DesiredVolume want, Volume have)
        {
            var target = $"{group.Name}/{want.Name}";
            if (want.SizeBytes != have.SizeBytes) Size(group, want, have, target);
            var plexes = have.Plexes.Count;
            if (want.Mirrors > plexes)
            {
                Drift(DriftKind.MirrorsMissing, group.Name, want.Name, $"{want.Mirrors} mirrors", $"{plexes}", DriftResolution.Apply,
                    $"volume '{want.Name}' of disk group '{group.Name}' has {Count(plexes, "plex", "plexes")}, the file asks for {want.Mirrors}");
                for (var i = plexes; i < want.Mirrors; i++)
                    Add(new AddMirror { DiskGroup = group.Name, Volume = want.Name }, group.Node, "Add mirror", target,
                        $"add a mirror to volume '{want.Name}' of disk group '{group.Name}' ({i + 1} of {want.Mirrors})");
            }
            else if (want.Mirrors < plexes)
            {
                Drift(DriftKind.MirrorsNotDeclared, group.Name, want.Name, $"{want.Mirrors} mirrors", $"{plexes}", DriftResolution.Prune,
                    $"volume '{want.Name}' of disk group '{group.Name}' has {Count(plexes, "plex", "plexes")}, the file asks for {want.Mirrors}");
                // Stale plexes first (they hold no current data), then the newest.
                foreach (var plex in have.Plexes.OrderBy(p => p.IsActive).ThenByDescending(p => have.Plexes.IndexOf(p)).Take(plexes - want.Mirrors))
                    Remove(new RemoveMirror { DiskGroup = group.Name, Volume = want.Name, Plex = plex.Name }, group.Node, "Remove mirror", target,
                        $"remove plex '{plex.Name}' ({plex.State}, on {string.Join(", ", plex.DiskNames)}) from volume '{want.Name}' of disk group '{group.Name}'");
            }
        }

        private void Size(DesiredDiskGroup group, DesiredVolume want, Volume have, string target)
        {
            var grow = want.SizeBytes > have.SizeBytes;
            Drift(grow ? DriftKind.VolumeTooSmall : DriftKind.VolumeTooLarge, group.Name, want.Name, SizeLiteral.Format(want.SizeBytes), SizeLiteral.Format(have.SizeBytes),
                grow ? DriftResolution.Apply : DriftResolution.Prune,
                $"volume '{want.Name}' of disk group '{group.Name}' is {Sizes.Human(have.SizeBytes)}, the file asks for {Sizes.Human(want.SizeBytes)}");
            var resize = new ResizeVolume { DiskGroup = group.Name, Volume = want.Name, SizeBytes = want.SizeBytes };
            if (grow)
                Add(resize, group.Node, "Grow volume", target, $"grow volume '{want.Name}' of disk group '{group.Name}' from {Sizes.Human(have.SizeBytes)} to {Sizes.Human(want.SizeBytes)}");
            else
                Remove(resize, group.Node, "Shrink volume", target,
                    $"shrink volume '{want.Name}' of disk group '{group.Name}' from {Sizes.Human(have.SizeBytes)} to {Sizes.Human(want.SizeBytes)}, discarding the data past {Sizes.Human(want.SizeBytes)}");
        }

        /// <summary>Disks are added before the group's volume changes that may need their space.</summary>
        private int FirstAdditionOf(string group)
        {
            var index = additions.FindIndex(c => NameRules.Same(c.Operation.DiskGroup, group));
            return index < 0 ? additions.Count : index;
        }

        private void Drift(DriftKind kind, string group, string? volume, string expected, string actual, DriftResolution resolution, string message) =>
            drifts.Add(new Drift(kind, group, volume, expected, actual, resolution, message));

        private void Add(Operation op, string? owner, string action, string target, string text) =>
            additions.Add(Change(op, owner, action, target, text, false));

        private void Remove(Operation op, string? owner, string action, string target, string text)
        {
            if (prune) removals.Add(Change(op, owner, action, target, text, true));
        }

        private static PlannedChange Change(Operation op, string? owner, string action, string target, string text, bool destructive) =>
            new() { Operation = op, Owner = owner, Action = action, Target = target, Description = text, Destructive = destructive };

        private static string? Owner(DiskGroup group) => group.Shared ? null : group.Owner;

        private static string Scope(DiskGroup group) => group.Shared ? "shared" : $"private (node {group.Owner})";

        private static string Describe(DiskGroup group) => $"{Scope(group)} on {string.Join(", ", group.Disks.Select(d => d.Name))}";

        private static string Describe(Volume volume) => $"{SizeLiteral.Format(volume.SizeBytes)} with {Count(volume.Plexes.Count, "plex", "plexes")}";

        private static string Count(int n, string word, string? plural = null) => $"{n} {(n == 1 ? word : plural ?? word + "s")}";
    }
}
