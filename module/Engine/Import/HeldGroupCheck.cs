using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Import;

/// <summary>What a private disk group a node holds in its database is, against the copies on its disks.</summary>
public enum HeldGroupVerdict
{
    /// <summary>The disks hold the node's configuration, or one older: the node keeps the group.</summary>
    Current,
    /// <summary>The group was imported elsewhere from the node's configuration and went on there: the node's is only older and gives way.</summary>
    Superseded,
    /// <summary>The disks hold a configuration neither older nor newer than the node's: serial split brain.</summary>
    Diverged,
}

/// <summary>The verdict on one held group, with a sentence that names the disks and their serials.</summary>
public sealed record HeldGroupFinding(HeldGroupVerdict Verdict, string Message);

/// <summary>
/// Run when a node comes back to join (its agent starts): each private group its database holds is compared with the
/// configuration copies its disks carry. Another node may have imported the group's disks while this one was away
/// (they name the group, and no member holds it): the copies are then on a new line forked from this node's, and
/// the node must not go on holding the group beside its new owner. A copy that diverged from the node's is a serial
/// split brain the node refuses to join with.
/// </summary>
public static class HeldGroupCheck
{
    public static HeldGroupFinding Check(string node, DiskGroup held, IReadOnlyList<DiskCopy> copies)
    {
        var serial = ConfigSerial.Of(held, held.Generation);
        var disks = held.Disks.Select(d => d.Id).ToHashSet();
        var mine = copies.Where(c => c.Readable && c.DiskGroupId == held.Id && disks.Contains(c.DiskId))
            .Select(c => (Copy: c, Serial: ConfigSerial.Of(c.Group!, c.Generation))).ToList();
        var diverged = mine.Where(m => m.Serial.Compare(serial) == SerialRelation.Diverged).ToList();
        if (diverged.Count > 0)
            return new(HeldGroupVerdict.Diverged,
                $"SerialSplitBrain: node {node} holds private disk group '{held.Name}' at {serial}, but {Describe(diverged)} diverged from it (neither descends from the other). "
                + $"The node does not join holding it; import the group from the side to keep (Import-VmDiskGroup -FromDisk) once this node's copy of the group is gone.");
        var moved = mine.Where(m => m.Serial.Lineage != serial.Lineage && m.Serial.Compare(serial) == SerialRelation.Newer).ToList();
        if (moved.Count > 0)
            return new(HeldGroupVerdict.Superseded,
                $"node {node} held private disk group '{held.Name}' at {serial}; {Describe(moved)} descend from it on a line imported elsewhere since, so the node gives the group up.");
        return new(HeldGroupVerdict.Current, $"disk group '{held.Name}' at {serial} is current on its disks");
    }

    private static string Describe(List<(DiskCopy Copy, ConfigSerial Serial)> copies) =>
        string.Join(", ", copies.Select(c => $"disk {c.Copy.DiskName} at {c.Serial}"));
}
