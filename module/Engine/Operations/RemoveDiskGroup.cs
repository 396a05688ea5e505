using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Operations;

public sealed class RemoveDiskGroup : Operation
{
    public bool Force { get; set; }

    public override string Describe() => $"remove disk group '{DiskGroup}'{(Force ? " (forced)" : "")}";

    public override void ApplyTo(List<DiskGroup> groups, long generation) =>
        groups.RemoveAll(g => NameRules.Same(g.Name, DiskGroup));
}
