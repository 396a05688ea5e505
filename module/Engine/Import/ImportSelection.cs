using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Import;

/// <summary>
/// Which configuration copy an import takes. Among the disks whose identity names the group, the readable copies of
/// the group are compared by <see cref="ConfigSerial"/>: a copy that another descends from is only older and is
/// superseded; when the newest copies diverged (neither descends from the other) the import is refused as a serial
/// split brain, each side listed, unless a disk is named (<c>-FromDisk</c>) whose copy is then taken. The rest are
/// reported: older copies, those of the side not chosen, damaged ones (named, with the reason), and disks the chosen
/// copy lists but no visible disk is.
/// </summary>
public sealed class ImportSelection
{
    public DiskGroup? Group { get; private init; }
    public long Generation { get; private init; }
    /// <summary>The serial of the copy taken; null when none was.</summary>
    public ConfigSerial? Serial { get; private init; }
    /// <summary>The disks whose copy was taken (all at <see cref="Serial"/>).</summary>
    public List<DiskCopy> Chosen { get; private init; } = [];
    /// <summary>Copies the taken one descends from: the import rewrites them.</summary>
    public List<DiskCopy> Older { get; private init; } = [];
    /// <summary>Copies the taken one does not descend from (the side not chosen, or newer ones), when a disk was named.</summary>
    public List<DiskCopy> Overruled { get; private init; } = [];
    public List<DiskCopy> Damaged { get; private init; } = [];
    public List<DiskRef> Missing { get; private init; } = [];
    /// <summary>The sides of a serial split brain, newest generation first; empty unless the copies diverged and no disk was named.</summary>
    public List<CopySide> Sides { get; private init; } = [];
    /// <summary>Why nothing can be imported; null when <see cref="Group"/> is set.</summary>
    public string? Problem { get; private init; }

    public bool SplitBrain => Sides.Count > 1;

    /// <param name="fromDisk">The disk whose copy to take whatever the others hold (a side of a split brain); null to choose by descent.</param>
    public static ImportSelection Choose(string name, IReadOnlyList<DiskCopy> copies, string? fromDisk = null)
    {
        var named = copies.Where(c => c.IdentityKnown && NameRules.Same(c.DiskGroup, name)).ToList();
        var damaged = named.Where(c => !c.Readable).Concat(copies.Where(c => !c.IdentityKnown)).ToList();
        var pick = fromDisk is null ? named.Where(c => c.Readable).OrderByDescending(c => c.Generation).FirstOrDefault()
            : named.FirstOrDefault(c => NameRules.Same(c.DiskName, fromDisk));
        if (pick is null || !pick.Readable)
            return new ImportSelection { Damaged = damaged, Problem = NothingToTake(name, named.Count, damaged, fromDisk, pick) };
        var same = named.Where(c => c.Readable && c.DiskGroupId == pick.DiskGroupId).ToList();
        var heads = fromDisk is null ? Heads(same) : [Side(pick, same)];
        if (heads.Count > 1)
            return new ImportSelection { Damaged = damaged, Sides = heads, Problem = Diverged(name, heads) };
        return Take(heads[0].Disks[0], same, named, damaged);
    }

    private static ImportSelection Take(DiskCopy taken, List<DiskCopy> same, List<DiskCopy> named, List<DiskCopy> damaged)
    {
        var serial = SerialOf(taken);
        var relations = same.ToLookup(c => SerialOf(c).Compare(serial));
        var present = named.Where(c => c.DiskGroupId == taken.DiskGroupId).Select(c => c.DiskId).ToHashSet();
        return new ImportSelection
        {
            Group = taken.Group!.Clone(),
            Generation = taken.Generation,
            Serial = serial,
            Chosen = relations[SerialRelation.Same].ToList(),
            Older = relations[SerialRelation.Older].ToList(),
            Overruled = relations[SerialRelation.Newer].Concat(relations[SerialRelation.Diverged]).ToList(),
            Damaged = damaged,
            Missing = taken.Group!.Disks.Where(d => !present.Contains(d.Id)).ToList(),
        };
    }

    /// <summary>The newest serials: those no other copy descends from, each with the disks at it.</summary>
    private static List<CopySide> Heads(List<DiskCopy> copies) => copies
        .Where(c => !copies.Any(o => SerialOf(o).Compare(SerialOf(c)) == SerialRelation.Newer))
        .GroupBy(SerialOf)
        .Select(g => new CopySide(g.Key, g.ToList()))
        .OrderByDescending(s => s.Serial.Generation).ThenBy(s => s.Serial.Lineage)
        .ToList();

    private static CopySide Side(DiskCopy pick, List<DiskCopy> copies) =>
        new(SerialOf(pick), copies.Where(c => SerialOf(c).Compare(SerialOf(pick)) == SerialRelation.Same).ToList());

    private static ConfigSerial SerialOf(DiskCopy copy) => ConfigSerial.Of(copy.Group!, copy.Generation);

    private static string Diverged(string name, List<CopySide> sides) =>
        $"The configuration copies of disk group '{name}' diverged (serial split brain): it was changed apart on "
        + string.Join("; and on ", sides.Select(s => s.ToString()))
        + $". Neither descends from the other. Choose the side to keep with -FromDisk <disk name>; the import rewrites the other side's disks.";

    private static string NothingToTake(string name, int named, List<DiskCopy> damaged, string? fromDisk, DiskCopy? pick)
    {
        if (fromDisk is not null && pick is null) return $"No visible disk named '{fromDisk}' belongs to a disk group named '{name}'.";
        if (pick is not null) return $"{pick} of disk group '{name}' holds no readable configuration copy: {pick.Problem}.";
        if (named == 0) return $"No visible disk belongs to a disk group named '{name}'.";
        return $"No disk of disk group '{name}' holds a readable configuration copy: "
            + string.Join("; ", damaged.Select(d => $"{d}: {d.Problem}")) + ".";
    }
}
