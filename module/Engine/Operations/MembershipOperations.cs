using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Operations;

/// <summary>
/// Changes who is in the cluster. Applied by every member at commit, together with the generation: the node joins
/// the cluster definition and the membership (as Joining, so the quorum counts it from then on). No disk group changes.
/// </summary>
public sealed class AddNode : Operation
{
    /// <summary>The new node's entry of the cluster definition: name, interconnect address, endpoint, disks, state folder.</summary>
    public NodeDefinition Node { get; set; } = new();

    public override string Describe() => $"add node {Node.Name} ({Node.Interconnect})";

    public override void ApplyTo(List<DiskGroup> groups, long generation) { }
}

/// <summary>Takes a node out of the cluster definition and the membership for good; the quorum no longer counts it.</summary>
public sealed class RemoveNode : Operation
{
    public string Node { get; set; } = "";

    public override string Describe() => $"remove node {Node}";

    public override void ApplyTo(List<DiskGroup> groups, long generation) { }
}
