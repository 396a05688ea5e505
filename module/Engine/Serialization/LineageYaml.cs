using VolumeManager.Engine.Model;
using YamlDotNet.RepresentationModel;
using static VolumeManager.Engine.Serialization.YamlText;

namespace VolumeManager.Engine.Serialization;

/// <summary>
/// A group's <see cref="GroupLineage"/> under its optional "lineage" key: written only once the group has been
/// imported, so a group that never was reads and writes as before.
/// <code>
/// lineage:
///   id: 6f1c...
///   ancestry:
///   - lineage: 0b7e...
///     generation: 20
/// </code>
/// </summary>
internal static class LineageYaml
{
    public static YamlNode? Write(GroupLineage? lineage) => lineage is null ? null : Map(
        ("id", Id(lineage.Id)),
        ("ancestry", Sequence(lineage.Ancestry.Select(p => Map(("lineage", Id(p.Lineage)), ("generation", Number(p.Generation)))))));

    public static GroupLineage? Read(YamlMap group)
    {
        if (!group.Has("lineage")) return null;
        var map = group.Map("lineage", $"the lineage of disk group '{group.String("name")}'").AllowOnly("id", "ancestry");
        var ancestry = map.Sequence("ancestry").Select(node =>
        {
            var point = map.With(node, "an ancestor of the lineage").AllowOnly("lineage", "generation");
            return new SerialPoint(point.Guid("lineage"), point.Long("generation"));
        }).ToList();
        return new GroupLineage(map.Guid("id"), ancestry);
    }
}
