namespace VolumeManager.Engine.Model;

/// <summary>A volume: an address space served by one or more plexes (mirrors).</summary>
public sealed class Volume
{
    public string Name { get; set; } = "";
    public long SizeBytes { get; set; }
    public List<Plex> Plexes { get; set; } = [];
    /// <summary>The volume's log: <see cref="VolumeLogs.Drl"/> (a dirty region log per node) or <see cref="VolumeLogs.None"/>.</summary>
    public string Log { get; set; } = VolumeLogs.None;

    /// <summary>The volume's YAML and hash once <see cref="Serialization.ConfigText"/> computed them; a copy starts without.</summary>
    internal Serialization.VolumeText? Text;

    public Volume Clone() => new() { Name = Name, SizeBytes = SizeBytes, Log = Log, Plexes = Plexes.Select(p => p.Clone()).ToList() };

    public Plex? FindPlex(string name) => Plexes.FirstOrDefault(p => NameRules.Same(p.Name, name));

    /// <summary>The plexes that hold current data: reads come from them, writes go to them.</summary>
    public IEnumerable<Plex> ActivePlexes => Plexes.Where(p => p.IsActive);

    /// <summary>The disks the data path uses: those of plexes that are not detached.</summary>
    public IEnumerable<string> AttachedDiskNames => Plexes.Where(p => p.IsAttached).SelectMany(p => p.DiskNames).Distinct().Order(StringComparer.Ordinal);

    /// <summary>The names of every disk any plex of the volume has a subdisk on, in name order.</summary>
    public IEnumerable<string> DiskNames => Plexes.SelectMany(p => p.DiskNames).Distinct().Order(StringComparer.Ordinal);
}

/// <summary>
/// What a plex's data is worth. <see cref="Plex.State"/> keeps it as its name (the configuration's
/// YAML and wire form); compare with <see cref="PlexStates"/>.
/// </summary>
public enum PlexState
{
    /// <summary>Holds the volume's current data: written on every write, read from.</summary>
    Active,
    /// <summary>Written on every write but not read from: its data is being (or has to be) resynchronised from an active plex.</summary>
    Stale,
    /// <summary>Neither written nor read: a disk under it failed (<see cref="Plex.Detach"/> says where and why); relocation or a new mirror replaces it.</summary>
    Detached,
}

/// <summary>The <see cref="PlexState"/> names as stored in <see cref="Plex.State"/>.</summary>
public static class PlexStates
{
    public const string Active = nameof(PlexState.Active);
    public const string Stale = nameof(PlexState.Stale);
    public const string Detached = nameof(PlexState.Detached);

    /// <summary>The state a name stands for; null when the name is no state (names are case-sensitive, as stored).</summary>
    public static PlexState? Parse(string? name) => name switch
    {
        Active => PlexState.Active,
        Stale => PlexState.Stale,
        _ => null,
    };

    public static string Names => string.Join(", ", Enum.GetNames<PlexState>());
}

/// <summary>One full copy of a volume, made of subdisks laid end to end.</summary>
public sealed class Plex
{
    public string Name { get; set; } = "";
    public string State { get; set; } = PlexStates.Active;
    public List<Subdisk> Subdisks { get; set; } = [];
    /// <summary>Why the plex was detached; null unless it is <see cref="PlexStates.Detached"/>.</summary>
    public PlexDetach? Detach { get; set; }

    public Plex Clone() => new() { Name = Name, State = State, Subdisks = Subdisks.Select(s => s.Clone()).ToList(), Detach = Detach };

    public bool IsActive => State == PlexStates.Active;

    /// <summary>Active or Stale: the data path writes it (a detached plex is left alone).</summary>
    public bool IsAttached => State != PlexStates.Detached;

    /// <summary>The plex's length: its subdisks laid end to end. Equal to its volume's size.</summary>
    public long SizeBytes => Subdisks.Sum(s => s.Length);

    /// <summary>The disks the plex has subdisks on, in name order.</summary>
    public IEnumerable<string> DiskNames => Subdisks.Select(s => s.Disk).Distinct().Order(StringComparer.Ordinal);
}

/// <summary>A contiguous extent of one disk's public region.</summary>
public sealed class Subdisk
{
    public string Name { get; set; } = "";
    public string Disk { get; set; } = "";
    /// <summary>Where it starts, in bytes from the start of the disk's public region (after the private region).</summary>
    public long Offset { get; set; }
    public long Length { get; set; }
    /// <summary>The disk the subdisk was moved off when a failure relocated it; null when it was laid out here.</summary>
    public string? RelocatedFrom { get; set; }

    public Subdisk Clone() => new() { Name = Name, Disk = Disk, Offset = Offset, Length = Length, RelocatedFrom = RelocatedFrom };

    /// <summary>The first byte after the subdisk, relative to the public region.</summary>
    public long End => Offset + Length;
}

/// <summary>Where and why a plex was detached: the node whose kernel saw the error, the disk, and the error. Immutable, shared by copies.</summary>
public sealed record PlexDetach(string Node, string Disk, string Reason);
