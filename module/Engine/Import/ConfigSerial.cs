using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Import;

/// <summary>How two configuration copies of one disk group stand to each other.</summary>
public enum SerialRelation
{
    /// <summary>The same configuration: same line, same generation.</summary>
    Same,
    /// <summary>The first came after the second: same line at a higher generation, or a line forked from it at or after it.</summary>
    Newer,
    /// <summary>The first is an ancestor of the second.</summary>
    Older,
    /// <summary>Neither descends from the other: the group was changed apart on each (serial split brain).</summary>
    Diverged,
}

/// <summary>
/// The serial a disk's configuration copy was written at: its line (<see cref="GroupLineage"/>), its generation on that
/// line, and the points its line forked from. Descent is decided from these alone.
/// </summary>
public sealed record ConfigSerial(Guid Lineage, long Generation, IReadOnlyList<SerialPoint> Ancestry)
{
    /// <summary>The serial of a copy of <paramref name="group"/> written at <paramref name="generation"/>.</summary>
    public static ConfigSerial Of(DiskGroup group, long generation)
    {
        var line = GroupLineage.Of(group);
        return new ConfigSerial(line.Id, generation, line.Ancestry);
    }

    /// <summary>
    /// True when this copy is <paramref name="earlier"/> or came after it: on the same line at a generation not below
    /// it, or on a line that forked from <paramref name="earlier"/>'s line at a generation not below it (the line went
    /// through <paramref name="earlier"/> before the fork).
    /// </summary>
    public bool DescendsFrom(ConfigSerial earlier) =>
        (Lineage == earlier.Lineage && Generation >= earlier.Generation)
        || Ancestry.Any(p => p.Lineage == earlier.Lineage && p.Generation >= earlier.Generation);

    public SerialRelation Compare(ConfigSerial other)
    {
        var after = DescendsFrom(other);
        var before = other.DescendsFrom(this);
        if (after && before) return SerialRelation.Same;
        if (after) return SerialRelation.Newer;
        return before ? SerialRelation.Older : SerialRelation.Diverged;
    }

    /// <summary>A line names its ancestry once and for all, so two serials are equal when their line and generation are.</summary>
    public bool Equals(ConfigSerial? other) => other is not null && Lineage == other.Lineage && Generation == other.Generation;

    public override int GetHashCode() => HashCode.Combine(Lineage, Generation);

    /// <summary>A short form for messages: "generation 12 of line 6f1c2a9b".</summary>
    public override string ToString() => $"generation {Generation} of line {Lineage.ToString("N")[..8]}";
}
