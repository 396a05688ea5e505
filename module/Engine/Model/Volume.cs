namespace VolumeManager.Engine.Model;

/// <summary>A volume: an address space served by one or more plexes (mirrors).</summary>
public sealed class Volume
{
    public string Name { get; set; } = "";
    public long SizeBytes { get; set; }
    public List<Plex> Plexes { get; set; } = [];

    public Volume Clone() => new() { Name = Name, SizeBytes = SizeBytes, Plexes = Plexes.Select(p => p.Clone()).ToList() };
}

/// <summary>One full copy of a volume, made of subdisks laid end to end.</summary>
public sealed class Plex
{
    public string Name { get; set; } = "";
    public string State { get; set; } = "Active";
    public List<Subdisk> Subdisks { get; set; } = [];

    public Plex Clone() => new() { Name = Name, State = State, Subdisks = Subdisks.Select(s => s.Clone()).ToList() };
}

/// <summary>A contiguous extent of one disk's public region.</summary>
public sealed class Subdisk
{
    public string Name { get; set; } = "";
    public string Disk { get; set; } = "";
    public long Offset { get; set; }
    public long Length { get; set; }

    public Subdisk Clone() => new() { Name = Name, Disk = Disk, Offset = Offset, Length = Length };
}
