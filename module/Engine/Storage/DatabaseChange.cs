using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// What a commit changed in a node's database, as the journal keeps it: the database's own fields whole (they are
/// few), and of the disk groups only those that changed, each with only the volumes that changed. A change lists
/// are edited the way transactions edit them: a removed item goes, a changed one is replaced where it stands, a new
/// one is appended; <see cref="Between"/> gives no change when that would not rebuild the later database exactly.
/// </summary>
public sealed class DatabaseChange
{
    public Guid ClusterId { get; set; }
    public long Generation { get; set; }
    public long PrivateGeneration { get; set; }
    public long Epoch { get; set; }
    public List<string> Membership { get; set; } = [];
    public string? LastTransaction { get; set; }
    public List<GroupChange> Shared { get; set; } = [];
    public List<GroupChange> Private { get; set; } = [];

    /// <summary>The change that turns <paramref name="before"/> into <paramref name="after"/>; null when lists were reordered (write a snapshot instead).</summary>
    public static DatabaseChange? Between(NodeDatabase before, NodeDatabase after)
    {
        var change = new DatabaseChange
        {
            ClusterId = after.ClusterId, Generation = after.Generation, PrivateGeneration = after.PrivateGeneration,
            Epoch = after.Epoch, Membership = [.. after.Membership], LastTransaction = after.LastTransaction,
            Shared = GroupChange.Between(before.Shared, after.Shared),
            Private = GroupChange.Between(before.Private, after.Private),
        };
        var rebuilt = change.ApplyTo(before);
        return SameOrder(rebuilt.Shared, after.Shared) && SameOrder(rebuilt.Private, after.Private) ? change : null;
    }

    /// <summary>The database after this change; <paramref name="before"/> is not changed, and what the change does not touch is shared with it.</summary>
    public NodeDatabase ApplyTo(NodeDatabase before)
    {
        var after = before.CopyForChange();
        after.ClusterId = ClusterId;
        after.Generation = Generation;
        after.PrivateGeneration = PrivateGeneration;
        after.Epoch = Epoch;
        after.Membership = [.. Membership];
        after.LastTransaction = LastTransaction;
        foreach (var group in Shared) group.ApplyTo(after.Shared);
        foreach (var group in Private) group.ApplyTo(after.Private);
        return after;
    }

    public bool IsEmpty => Shared.Count == 0 && Private.Count == 0;

    private static bool SameOrder(List<DiskGroup> rebuilt, List<DiskGroup> expected) =>
        rebuilt.Select(g => g.Name).SequenceEqual(expected.Select(g => g.Name))
        && rebuilt.Zip(expected).All(pair => pair.First.Volumes.Select(v => v.Name).SequenceEqual(pair.Second.Volumes.Select(v => v.Name)));
}

/// <summary>One disk group's part of a <see cref="DatabaseChange"/>: gone, or its own fields and its changed volumes.</summary>
public sealed class GroupChange
{
    public string Name { get; set; } = "";
    public bool Removed { get; set; }
    /// <summary>The group's own fields and disks (its volume list empty); null when it was removed.</summary>
    public DiskGroup? Group { get; set; }
    public List<string> RemovedVolumes { get; set; } = [];
    /// <summary>Volumes new or changed: a changed one replaces its namesake where it stands, a new one is appended.</summary>
    public List<Volume> Volumes { get; set; } = [];

    internal static List<GroupChange> Between(List<DiskGroup> before, List<DiskGroup> after)
    {
        var changes = before.Where(g => !after.Any(a => NameRules.Same(a.Name, g.Name)))
            .Select(g => new GroupChange { Name = g.Name, Removed = true }).ToList();
        foreach (var group in after)
        {
            var old = before.FirstOrDefault(g => NameRules.Same(g.Name, group.Name));
            if (ReferenceEquals(old, group)) continue;
            var change = VolumesBetween(old?.Volumes ?? [], group);
            if (old is null || !ModelEquality.SameHeader(old, group) || change.Volumes.Count > 0 || change.RemovedVolumes.Count > 0) changes.Add(change);
        }
        return changes;
    }

    private static GroupChange VolumesBetween(List<Volume> before, DiskGroup after)
    {
        var byName = before.ToDictionary(v => v.Name, StringComparer.Ordinal);
        var kept = after.Volumes.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        return new GroupChange
        {
            Name = after.Name,
            Group = Header(after),
            RemovedVolumes = before.Where(v => !kept.Contains(v.Name)).Select(v => v.Name).ToList(),
            Volumes = after.Volumes.Where(v => !byName.TryGetValue(v.Name, out var old) || !ModelEquality.Same(old, v)).ToList(),
        };
    }

    private static DiskGroup Header(DiskGroup group) => new()
    {
        Name = group.Name, Id = group.Id, Shared = group.Shared, Owner = group.Owner, Generation = group.Generation,
        DetachPolicy = group.DetachPolicy,
        Disks = group.Disks.Select(d => d.Clone()).ToList(),
        Lineage = group.Lineage,
    };

    internal void ApplyTo(List<DiskGroup> groups)
    {
        var at = groups.FindIndex(g => NameRules.Same(g.Name, Name));
        if (Removed) { if (at >= 0) groups.RemoveAt(at); return; }
        var group = Group!.CopyForChange();
        group.Volumes = at >= 0 ? [.. groups[at].Volumes] : [];
        if (RemovedVolumes.Count > 0)
        {
            var removed = RemovedVolumes.ToHashSet(StringComparer.Ordinal);
            group.Volumes.RemoveAll(v => removed.Contains(v.Name));
        }
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < group.Volumes.Count; i++) index[group.Volumes[i].Name] = i;
        foreach (var volume in Volumes)
        {
            if (index.TryGetValue(volume.Name, out var existing)) group.Volumes[existing] = volume;
            else { index[volume.Name] = group.Volumes.Count; group.Volumes.Add(volume); }
        }
        if (at >= 0) groups[at] = group;
        else groups.Add(group);
    }
}
