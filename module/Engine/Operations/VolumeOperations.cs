using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Operations;

/// <summary>
/// An operation on one volume of <see cref="Operation.DiskGroup"/>. Applying it to a list without that
/// group or volume changes nothing: the node checks refuse such a proposal before it gets that far.
/// </summary>
public abstract class VolumeOperation : Operation
{
    public string Volume { get; set; } = "";

    public override void ApplyTo(List<DiskGroup> groups, long generation)
    {
        if (groups.FirstOrDefault(g => NameRules.Same(g.Name, DiskGroup)) is not { } group) return;
        if (Apply(group)) group.Generation = generation;
    }

    /// <summary>Changes the group; false when there was nothing to change.</summary>
    protected abstract bool Apply(DiskGroup group);

    protected Model.Volume? Find(DiskGroup group) => group.FindVolume(Volume);

    /// <summary>The volume, copied into the group in its place so it can be changed (the old one may be shared with the configuration before).</summary>
    protected Model.Volume? Edit(DiskGroup group)
    {
        var at = group.Volumes.FindIndex(v => NameRules.Same(v.Name, Volume));
        if (at < 0) return null;
        return group.Volumes[at] = group.Volumes[at].Clone();
    }
}

/// <summary>
/// Creates a volume. <see cref="Plexes"/> is its layout, decided once on the initiating node (see
/// <see cref="LayoutResolver"/>) and carried in the operation, so every node applies the same subdisks.
/// </summary>
public sealed class CreateVolume : VolumeOperation
{
    public long SizeBytes { get; set; }
    public int Mirrors { get; set; } = 1;
    /// <summary>The volume's log (<see cref="VolumeLogs"/>); null for the default: a dirty region log for 2 or more plexes.</summary>
    public string? Log { get; set; }
    /// <summary>The layout: <see cref="Mirrors"/> plexes of <see cref="SizeBytes"/> each; empty until resolved.</summary>
    public List<Plex> Plexes { get; set; } = [];

    public override string Describe() =>
        $"create volume '{Volume}' of {Sizes.Human(SizeBytes)}{(Mirrors == 1 ? "" : $" with {Mirrors} mirrors")} in disk group '{DiskGroup}'" +
        (Plexes.Count > 0 ? $" ({Allocator.Describe(Plexes)})" : "");

    protected override bool Apply(DiskGroup group)
    {
        if (Find(group) is not null) return false;
        group.Volumes.Add(new Model.Volume { Name = Volume, SizeBytes = SizeBytes, Log = Log ?? VolumeLogs.Default(Plexes.Count), Plexes = Plexes.Select(p => p.Clone()).ToList() });
        return true;
    }
}

public sealed class RemoveVolume : VolumeOperation
{
    public override string Describe() => $"remove volume '{Volume}' from disk group '{DiskGroup}'";

    protected override bool Apply(DiskGroup group) => group.Volumes.RemoveAll(v => NameRules.Same(v.Name, Volume)) > 0;
}

/// <summary>Grows or shrinks every plex of a volume. <see cref="Plexes"/> is every plex's new layout, decided on the initiating node.</summary>
public sealed class ResizeVolume : VolumeOperation
{
    public long SizeBytes { get; set; }
    /// <summary>Every plex of the volume, by name, with its subdisks at the new size; empty until resolved. Plex states are not taken from here.</summary>
    public List<Plex> Plexes { get; set; } = [];

    public override string Describe() => $"resize volume '{Volume}' of disk group '{DiskGroup}' to {Sizes.Human(SizeBytes)}";

    protected override bool Apply(DiskGroup group)
    {
        if (Plexes.Count == 0 || Edit(group) is not { } volume) return false;
        volume.SizeBytes = SizeBytes;
        foreach (var plex in volume.Plexes)
            if (Plexes.FirstOrDefault(p => NameRules.Same(p.Name, plex.Name)) is { } resized)
                plex.Subdisks = resized.Subdisks.Select(s => s.Clone()).ToList();
        return true;
    }
}

/// <summary>Adds a plex, Stale, on disks no other plex of the volume uses; the agent resynchronises it and then marks it Active (<see cref="SetPlexState"/>).</summary>
public sealed class AddMirror : VolumeOperation
{
    /// <summary>Disks the new plex may use; empty for any disk of the group no other plex of the volume uses.</summary>
    public List<string> Disks { get; set; } = [];
    /// <summary>The new plex's layout; null until resolved.</summary>
    public Plex? Plex { get; set; }
    /// <summary>The volume's log from now on (<see cref="VolumeLogs"/>); null leaves it as it is.</summary>
    public string? Log { get; set; }

    public override string Describe() =>
        $"add a mirror to volume '{Volume}' of disk group '{DiskGroup}'" +
        (Plex is not null ? $" (plex '{Plex.Name}' on {string.Join(", ", Plex.DiskNames)})" : Disks.Count > 0 ? $" on {string.Join(", ", Disks)}" : "");

    protected override bool Apply(DiskGroup group)
    {
        if (Plex is null || Find(group) is not { } found || found.FindPlex(Plex.Name) is not null) return false;
        var volume = Edit(group)!;
        volume.Plexes.Add(Plex.Clone());
        if (Log is not null) volume.Log = Log;
        return true;
    }
}

public sealed class RemoveMirror : VolumeOperation
{
    public string Plex { get; set; } = "";

    public override string Describe() => $"remove plex '{Plex}' from volume '{Volume}' of disk group '{DiskGroup}'";

    protected override bool Apply(DiskGroup group) =>
        Find(group)?.FindPlex(Plex) is not null && Edit(group)!.Plexes.RemoveAll(p => NameRules.Same(p.Name, Plex)) > 0;
}

/// <summary>Marks a plex Active (its resynchronisation is complete) or Stale.</summary>
public sealed class SetPlexState : VolumeOperation
{
    public string Plex { get; set; } = "";
    /// <summary>A <see cref="PlexStates"/> name.</summary>
    public string State { get; set; } = PlexStates.Active;

    public override string Describe() => $"mark plex '{Plex}' of volume '{Volume}' in disk group '{DiskGroup}' {State}";

    protected override bool Apply(DiskGroup group)
    {
        if (Find(group)?.FindPlex(Plex) is null) return false;
        Edit(group)!.FindPlex(Plex)!.State = State;
        return true;
    }
}

/// <summary>Adds initialised, free disks to a disk group.</summary>
public sealed class AddDisk : Operation
{
    /// <summary>The disks; ids and sizes are filled in from the initiating node's view.</summary>
    public List<DiskRef> Disks { get; set; } = [];

    public override string Describe() => $"add {Plural("disk", Disks.Count)} {string.Join(", ", Disks.Select(d => d.Name))} to disk group '{DiskGroup}'";

    public override void ApplyTo(List<DiskGroup> groups, long generation)
    {
        if (groups.FirstOrDefault(g => NameRules.Same(g.Name, DiskGroup)) is not { } group) return;
        var added = Disks.DistinctBy(d => d.Name)
            .Where(d => group.FindDisk(d.Name) is null && group.Disks.All(k => k.Id != d.Id))
            .Select(d => d.Clone()).ToList();
        if (added.Count == 0) return;
        group.Disks.AddRange(added);
        group.Generation = generation;
    }

    internal static string Plural(string word, int count) => count == 1 ? word : word + "s";
}

/// <summary>Takes disks that hold no subdisk out of a disk group; the master clears their configuration copies.</summary>
public sealed class RemoveDisk : Operation
{
    public List<string> Disks { get; set; } = [];

    public override string Describe() => $"remove {AddDisk.Plural("disk", Disks.Count)} {string.Join(", ", Disks)} from disk group '{DiskGroup}'";

    public override void ApplyTo(List<DiskGroup> groups, long generation)
    {
        if (groups.FirstOrDefault(g => NameRules.Same(g.Name, DiskGroup)) is not { } group) return;
        if (group.Disks.RemoveAll(d => Disks.Contains(d.Name, StringComparer.Ordinal)) > 0) group.Generation = generation;
    }
}
