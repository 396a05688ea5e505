namespace VolumeManager.Cmdlets.Objects;

/// <summary>One transaction Invoke-VmConfiguration applied: its place in the plan, what it did, and where it committed.</summary>
public sealed class VmConfigurationChange
{
    /// <summary>Its place in the plan, from 1.</summary>
    public int Step { get; internal set; }
    /// <summary>"Create disk group", "Add disks", "Create volume", "Grow volume", "Add mirror", or under -Prune "Remove ...", "Shrink volume".</summary>
    public string Action { get; internal set; } = "";
    public string DiskGroup { get; internal set; } = "";
    /// <summary>The disk group, or disk group/volume, it changed.</summary>
    public string Target { get; internal set; } = "";
    public string Description { get; internal set; } = "";
    public string TransactionId { get; internal set; } = "";
    /// <summary>The generation its commit record carries: the cluster's shared generation after a shared change (a private disk group's change leaves it as it was).</summary>
    public long Generation { get; internal set; }
    /// <summary>The node that coordinated it: the master for a shared disk group, the owner for a private one.</summary>
    public string Node { get; internal set; } = "";

    public override string ToString() => Description;
}
