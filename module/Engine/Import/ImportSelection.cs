using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Import;

/// <summary>
/// Which configuration copy an import takes: among the disks whose identity names the group, the readable copy
/// with the highest generation. The rest are reported: older copies, damaged ones (named, with the reason), and
/// disks the chosen copy lists but no visible disk is.
/// </summary>
public sealed class ImportSelection
{
    public DiskGroup? Group { get; private init; }
    public long Generation { get; private init; }
    /// <summary>The disks whose copy was taken (all at <see cref="Generation"/>).</summary>
    public List<DiskCopy> Chosen { get; private init; } = [];
    public List<DiskCopy> Older { get; private init; } = [];
    public List<DiskCopy> Damaged { get; private init; } = [];
    public List<DiskRef> Missing { get; private init; } = [];
    /// <summary>Why nothing can be imported; null when <see cref="Group"/> is set.</summary>
    public string? Problem { get; private init; }

    public static ImportSelection Choose(string name, IReadOnlyList<DiskCopy> copies)
    {
        var named = copies.Where(c => c.IdentityKnown && NameRules.Same(c.DiskGroup, name)).ToList();
        var unreadable = copies.Where(c => !c.IdentityKnown).ToList();
        var best = named.Where(c => c.Readable).OrderByDescending(c => c.Generation).FirstOrDefault();
        var damaged = named.Where(c => !c.Readable).Concat(unreadable).ToList();
        if (best is null)
            return new ImportSelection { Damaged = damaged, Problem = NothingReadable(name, named.Count, damaged) };
        var same = named.Where(c => c.Readable && c.DiskGroupId == best.DiskGroupId).ToList();
        var present = named.Where(c => c.DiskGroupId == best.DiskGroupId).Select(c => c.DiskId).ToHashSet();
        return new ImportSelection
        {
            Group = best.Group!.Clone(),
            Generation = best.Generation,
            Chosen = same.Where(c => c.Generation == best.Generation).ToList(),
            Older = same.Where(c => c.Generation < best.Generation).ToList(),
            Damaged = damaged,
            Missing = best.Group!.Disks.Where(d => !present.Contains(d.Id)).ToList(),
        };
    }

    private static string NothingReadable(string name, int named, List<DiskCopy> damaged)
    {
        if (named == 0) return $"No visible disk belongs to a disk group named '{name}'.";
        return $"No disk of disk group '{name}' holds a readable configuration copy: "
            + string.Join("; ", damaged.Select(d => $"{d}: {d.Problem}")) + ".";
    }
}
