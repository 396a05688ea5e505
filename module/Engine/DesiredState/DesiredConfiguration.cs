using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.DesiredState;

/// <summary>What a desired-state file (state.yaml) declares: disk groups with their disks and volumes.</summary>
public sealed class DesiredConfiguration
{
    public List<DesiredDiskGroup> DiskGroups { get; init; } = [];

    public DesiredDiskGroup? FindDiskGroup(string name) => DiskGroups.FirstOrDefault(g => NameRules.Same(g.Name, name));
}

/// <summary>A declared disk group: shared (every node) or private to <see cref="Node"/>.</summary>
public sealed class DesiredDiskGroup
{
    public string Name { get; init; } = "";
    public bool Shared { get; init; }
    /// <summary>The owning node of a private disk group; null for a shared one.</summary>
    public string? Node { get; init; }
    public List<string> Disks { get; init; } = [];
    public List<DesiredVolume> Volumes { get; init; } = [];
    /// <summary>Where the file declares the group ("state.yaml, line 3, column 5"), for messages; empty when not read from a file.</summary>
    public string Location { get; init; } = "";

    public DesiredVolume? FindVolume(string name) => Volumes.FirstOrDefault(v => NameRules.Same(v.Name, name));
}

/// <summary>A declared volume: its size and how many plexes (mirrors) it has.</summary>
public sealed class DesiredVolume
{
    public string Name { get; init; } = "";
    public long SizeBytes { get; init; }
    public int Mirrors { get; init; } = 1;
}
