using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;
using YamlDotNet.RepresentationModel;
using static VolumeManager.Engine.Serialization.YamlText;

namespace VolumeManager.Engine.DesiredState;

/// <summary>
/// The desired-state file (state.yaml) to a <see cref="DesiredConfiguration"/> and back. Pure: the caller reads
/// and writes the file. Every problem is a <see cref="ConfigurationFormatException"/> naming line, column and what was expected.
/// </summary>
/// <example>
/// diskGroups:
///   - name: dg01
///     shared: true
///     disks: [d01, d02]
///     volumes:
///       - { name: v1, size: 64MB, mirrors: 2 }
///   - name: dg02
///     node: n1          # a private disk group (shared: false, the default) is owned by one node
///     disks: [d03]
/// </example>
public static class DesiredStateYaml
{
    private static readonly string[] RootKeys = ["diskGroups"];
    private static readonly string[] GroupKeys = ["name", "shared", "node", "disks", "volumes"];
    private static readonly string[] VolumeKeys = ["name", "size", "mirrors"];

    /// <exception cref="ConfigurationFormatException">The text is not a valid desired state; the message names where and why.</exception>
    public static DesiredConfiguration Parse(string yamlText, string sourceName)
    {
        var root = YamlMap.From(LoadRoot(yamlText, sourceName), sourceName, "the desired state").AllowOnly(RootKeys);
        var seenGroups = new Names(root, "disk group");
        var seenDisks = new Names(root, "disk");
        var groups = new List<DesiredDiskGroup>();
        foreach (var item in root.Sequence("diskGroups"))
        {
            var group = ReadGroup(root.With(item, "a disk group of the desired state"), seenDisks);
            seenGroups.Add(group.Name, item);
            groups.Add(group);
        }
        return new DesiredConfiguration { DiskGroups = groups };
    }

    public static string Write(DesiredConfiguration configuration) => Emit(Map(
        ("diskGroups", Sequence(configuration.DiskGroups.Select(WriteGroup)))));

    private static DesiredDiskGroup ReadGroup(YamlMap map, Names seenDisks)
    {
        var name = ValidName(map, "name", "disk group");
        map = map.With(map.Node, $"disk group '{name}'").AllowOnly(GroupKeys);
        var shared = map.Has("shared") && map.Bool("shared");
        string? node = null;
        if (shared && map.Find("node") is { } extra)
            throw map.Error(extra, $"'node' in {map.What} names the owner of a private disk group; a shared disk group has none. Remove 'node' or set 'shared: false'.");
        if (!shared)
        {
            if (!map.Has("node"))
                throw map.Error(map.Node, $"missing required key 'node' in {map.What}: a private disk group (shared: false, the default) needs its owning node; or set 'shared: true'.");
            node = ValidName(map, "node", "node");
        }
        var disks = new List<string>();
        var diskNodes = map.Sequence("disks");
        if (diskNodes.Count == 0) throw map.Error(map.Required("disks"), $"'disks' in {map.What} is empty; a disk group needs at least one disk.");
        foreach (var item in diskNodes)
        {
            var disk = YamlValue.Text(map, item, "disks");
            if (NameRules.Problem(disk, "disk") is { } problem) throw map.Error(item, problem);
            seenDisks.Add(disk, item);
            disks.Add(disk);
        }
        var seenVolumes = new Names(map, "volume", $" in {map.What}");
        var volumes = new List<DesiredVolume>();
        foreach (var item in map.OptionalSequence("volumes"))
        {
            var volume = ReadVolume(map.With(item, $"a volume of {map.What}"), map.What);
            seenVolumes.Add(volume.Name, item);
            volumes.Add(volume);
        }
        return new DesiredDiskGroup
        {
            Name = name, Shared = shared, Node = node, Disks = disks, Volumes = volumes,
            Location = Location(map.SourceName, map.Node),
        };
    }

    private static DesiredVolume ReadVolume(YamlMap map, string group)
    {
        var name = ValidName(map, "name", "volume");
        map = map.With(map.Node, $"volume '{name}' of {group}").AllowOnly(VolumeKeys);
        var sizeNode = map.Required("size");
        var text = YamlValue.Text(map, sizeNode, "size");
        if (!SizeLiteral.TryParse(text, out var size))
            throw map.Error(sizeNode, $"'{text}' is not a size; 'size' in {map.What} must be {SizeLiteral.Expected}.");
        if (Allocator.SizeProblem(size, $"volume '{name}'") is { } sizeProblem) throw map.Error(sizeNode, sizeProblem);
        var mirrors = 1;
        if (map.Find("mirrors") is { } mirrorNode)
        {
            var count = YamlValue.Long(map, mirrorNode, "mirrors");
            if (Allocator.MirrorCountProblem((int)Math.Clamp(count, int.MinValue, int.MaxValue)) is { } problem) throw map.Error(mirrorNode, problem);
            mirrors = (int)count;
        }
        return new DesiredVolume { Name = name, SizeBytes = size, Mirrors = mirrors };
    }

    private static string ValidName(YamlMap map, string key, string what)
    {
        var node = map.Required(key);
        var name = YamlValue.Text(map, node, key);
        return NameRules.Problem(name, what) is { } problem ? throw map.Error(node, problem) : name;
    }

    private static YamlNode WriteGroup(DesiredDiskGroup group) => Map(
        ("name", Text(group.Name)),
        ("shared", Flag(group.Shared)),
        ("node", Text(group.Node)),
        ("disks", Sequence(group.Disks.Select(d => (YamlNode)Text(d)!))),
        ("volumes", Sequence(group.Volumes.Select(WriteVolume))));

    private static YamlNode WriteVolume(DesiredVolume volume) => Map(
        ("name", Text(volume.Name)),
        ("size", volume.SizeBytes % 1024 == 0 ? Text(SizeLiteral.Format(volume.SizeBytes)) : Number(volume.SizeBytes)),
        ("mirrors", Number(volume.Mirrors)));

    internal static string Location(string sourceName, YamlNode node) => $"{sourceName}, line {node.Start.Line}, column {node.Start.Column}";

    /// <summary>Names declared so far, each with where: a second declaration is an error pointing at both.</summary>
    private sealed class Names(YamlMap owner, string what, string where = "")
    {
        private readonly Dictionary<string, YamlNode> seen = new(StringComparer.Ordinal);

        public void Add(string name, YamlNode at)
        {
            if (seen.TryGetValue(name, out var first))
                throw owner.Error(at, $"{what} '{name}'{where} is declared twice (first at line {first.Start.Line}, column {first.Start.Column}); each name may appear once.");
            seen[name] = at;
        }
    }
}
