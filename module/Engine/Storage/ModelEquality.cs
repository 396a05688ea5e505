using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Storage;

/// <summary>Whether two configuration objects say the same, field by field (the same object always does).</summary>
internal static class ModelEquality
{
    public static bool SameHeader(DiskGroup a, DiskGroup b) =>
        a.Name == b.Name && a.Id == b.Id && a.Shared == b.Shared && a.Owner == b.Owner && a.Generation == b.Generation
        && a.DetachPolicy == b.DetachPolicy
        && a.Disks.Count == b.Disks.Count && a.Disks.Zip(b.Disks).All(d => d.First.Name == d.Second.Name && d.First.Id == d.Second.Id && d.First.SizeBytes == d.Second.SizeBytes
            && d.First.State == d.Second.State && d.First.Spare == d.Second.Spare)
        && SameLineage(a.Lineage, b.Lineage);

    private static bool SameLineage(GroupLineage? a, GroupLineage? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.Id == b.Id && a.Ancestry.SequenceEqual(b.Ancestry));

    public static bool Same(Volume a, Volume b) => ReferenceEquals(a, b)
        || (a.Name == b.Name && a.SizeBytes == b.SizeBytes && a.Log == b.Log && a.Plexes.Count == b.Plexes.Count && a.Plexes.Zip(b.Plexes).All(p => Same(p.First, p.Second)));

    private static bool Same(Plex a, Plex b) =>
        a.Name == b.Name && a.State == b.State && a.Detach == b.Detach && a.Subdisks.Count == b.Subdisks.Count
        && a.Subdisks.Zip(b.Subdisks).All(s => s.First.Name == s.Second.Name && s.First.Disk == s.Second.Disk && s.First.Offset == s.Second.Offset && s.First.Length == s.Second.Length
            && s.First.RelocatedFrom == s.Second.RelocatedFrom);
}
