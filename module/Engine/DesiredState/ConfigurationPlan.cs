using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.DesiredState;

/// <summary>
/// One transaction of a plan: a single operation, proposed shared (<see cref="Owner"/> null) or private to its owner.
/// Each runs after the previous one committed, so its layout is decided against the configuration the earlier ones left.
/// </summary>
public sealed class PlannedChange
{
    public required Operation Operation { get; init; }
    /// <summary>The owner of a private disk group; null for a change to a shared one.</summary>
    public string? Owner { get; init; }
    /// <summary>What it does in a word or two: "Create disk group", "Add mirror", "Shrink volume".</summary>
    public required string Action { get; init; }
    /// <summary>The disk group, or group/volume, it changes.</summary>
    public required string Target { get; init; }
    /// <summary>A sentence for -WhatIf and the change objects.</summary>
    public required string Description { get; init; }
    /// <summary>It removes or shrinks something: only planned under -Prune.</summary>
    public bool Destructive { get; init; }
}

/// <summary>Every drift between a file and the cluster, and the ordered transactions that remove the ones Invoke may fix.</summary>
public sealed class ConfigurationPlan
{
    public List<Drift> Drifts { get; init; } = [];
    public List<PlannedChange> Changes { get; init; } = [];

    public IEnumerable<Drift> Conflicts => Drifts.Where(d => d.Resolution == DriftResolution.Conflict);

    /// <summary>Drifts Invoke leaves alone without -Prune.</summary>
    public IEnumerable<Drift> PruneOnly => Drifts.Where(d => d.Resolution == DriftResolution.Prune);

    public bool InDesiredState => Drifts.Count == 0;
}
