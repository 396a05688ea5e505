namespace VolumeManager.Engine.Model;

/// <summary>A configuration copy's place in a group's history: the line it was written on and its generation there.</summary>
public readonly record struct SerialPoint(Guid Lineage, long Generation);

/// <summary>
/// The line of configurations a disk group's copies are written on. One configuration database advances a line at a
/// time (one cluster, its changes serialised), so on one line a higher generation always descends from a lower one.
/// Every import starts a new line, since an import is where two databases can take up the same copy (two sites
/// importing replicas of the same disks): the line and generation it started from are appended to
/// <see cref="Ancestry"/>, oldest first, at most <see cref="MaxAncestry"/> of them. A group without a recorded lineage
/// (created here and never imported) is on the line named by its own id.
/// </summary>
public sealed record GroupLineage(Guid Id, IReadOnlyList<SerialPoint> Ancestry)
{
    /// <summary>How many imports back descent can be told; a copy older than that is taken for a diverged one, the safe side.</summary>
    public const int MaxAncestry = 16;

    /// <summary>The line of <paramref name="group"/>'s copies.</summary>
    public static GroupLineage Of(DiskGroup group) => group.Lineage ?? new GroupLineage(group.Id, []);

    /// <summary>The new line <paramref name="id"/>, started from this line's copy at <paramref name="generation"/>.</summary>
    public GroupLineage Fork(Guid id, long generation) =>
        new(id, [.. Ancestry.Append(new SerialPoint(Id, generation)).TakeLast(MaxAncestry)]);
}
