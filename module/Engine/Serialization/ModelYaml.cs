using VolumeManager.Engine.Model;
using YamlDotNet.RepresentationModel;
using static VolumeManager.Engine.Serialization.YamlText;

namespace VolumeManager.Engine.Serialization;

/// <summary>
/// Disk groups and what they hold, to YAML nodes and back. Every key is written, so every key is required on read;
/// the failure-handling keys (a group's detach policy, a disk's state and spare flag, a plex's detach, a subdisk's
/// origin) only when they differ from the default, so a configuration that never met a failure reads as before.
/// </summary>
internal static class ModelYaml
{
    public static YamlNode Groups(IEnumerable<DiskGroup> groups) => Sequence(groups.Select(Group));

    public static YamlMappingNode Group(DiskGroup group)
    {
        var map = GroupHeader(group);
        map.Add("volumes", Sequence(group.Volumes.Select(Volume)));
        return map;
    }

    /// <summary>The group's keys before its volumes.</summary>
    public static YamlMappingNode GroupHeader(DiskGroup group) => Map(
        ("name", Text(group.Name)),
        ("id", Id(group.Id)),
        ("shared", Flag(group.Shared)),
        ("owner", Text(group.Owner)),
        ("generation", Number(group.Generation)),
        ("detachPolicy", group.DetachPolicy == DetachPolicies.Global ? null : Text(group.DetachPolicy)),
        ("lineage", LineageYaml.Write(group.Lineage)),
        ("disks", Sequence(group.Disks.Select(Disk))));

    private static YamlNode Disk(DiskRef disk) => Map(
        ("name", Text(disk.Name)), ("id", Id(disk.Id)), ("sizeBytes", Number(disk.SizeBytes)),
        ("state", disk.IsHealthy ? null : Text(disk.State)), ("spare", disk.Spare ? Flag(true) : null));

    public static YamlNode Volume(Volume volume) => Map(
        ("name", Text(volume.Name)), ("sizeBytes", Number(volume.SizeBytes)),
        ("log", volume.Log == VolumeLogs.None ? null : Text(volume.Log)), ("plexes", Sequence(volume.Plexes.Select(Plex))));

    private static YamlNode Plex(Plex plex) => Map(
        ("name", Text(plex.Name)), ("state", Text(plex.State)),
        ("detach", plex.Detach is { } d ? Map(("node", Text(d.Node)), ("disk", Text(d.Disk)), ("reason", Text(d.Reason))) : null),
        ("subdisks", Sequence(plex.Subdisks.Select(Subdisk))));

    private static YamlNode Subdisk(Subdisk subdisk) => Map(
        ("name", Text(subdisk.Name)), ("disk", Text(subdisk.Disk)),
        ("offset", Number(subdisk.Offset)), ("length", Number(subdisk.Length)), ("relocatedFrom", Text(subdisk.RelocatedFrom)));

    public static List<DiskGroup> ReadGroups(YamlMap owner, string key) =>
        owner.Sequence(key).Select((node, i) => ReadGroup(owner.With(node, $"disk group {i + 1} of '{key}'"))).ToList();

    public static DiskGroup ReadGroup(YamlMap map)
    {
        map.AllowOnly("name", "id", "shared", "owner", "generation", "detachPolicy", "lineage", "disks", "volumes");
        var name = map.String("name");
        return new DiskGroup
        {
            Name = name, Id = map.Guid("id"), Shared = map.Bool("shared"), Owner = map.OptionalString("owner"),
            Generation = map.Long("generation"), DetachPolicy = map.OptionalString("detachPolicy") ?? DetachPolicies.Global,
            Lineage = LineageYaml.Read(map),
            Disks = map.Sequence("disks").Select(n => ReadDisk(map.With(n, $"a disk of disk group '{name}'"))).ToList(),
            Volumes = map.Sequence("volumes").Select(n => ReadVolume(map.With(n, $"a volume of disk group '{name}'"))).ToList(),
        };
    }

    private static DiskRef ReadDisk(YamlMap map)
    {
        map.AllowOnly("name", "id", "sizeBytes", "state", "spare");
        return new DiskRef
        {
            Name = map.String("name"), Id = map.Guid("id"), SizeBytes = map.Long("sizeBytes"),
            State = map.OptionalString("state") ?? DiskStates.Healthy, Spare = map.Has("spare") && map.Bool("spare"),
        };
    }

    private static Volume ReadVolume(YamlMap map)
    {
        map.AllowOnly("name", "sizeBytes", "log", "plexes");
        var name = map.String("name");
        return new Volume
        {
            Name = name, SizeBytes = map.Long("sizeBytes"), Log = ReadLog(map, name),
            Plexes = map.Sequence("plexes").Select(n => ReadPlex(map.With(n, $"a plex of volume '{name}'"))).ToList(),
        };
    }

    private static string ReadLog(YamlMap map, string volume)
    {
        var log = map.OptionalString("log") ?? VolumeLogs.None;
        return VolumeLogs.Parse(log) ?? throw map.Error(map.Find("log")!, $"volume '{volume}' has log '{log}'; expected one of {VolumeLogs.Names}.");
    }

    private static Plex ReadPlex(YamlMap map)
    {
        map.AllowOnly("name", "state", "detach", "subdisks");
        var name = map.String("name");
        return new Plex
        {
            Name = name, State = map.String("state"), Detach = map.Has("detach") ? ReadDetach(map.Map("detach", $"the detach of plex '{name}'")) : null,
            Subdisks = map.Sequence("subdisks").Select(n => ReadSubdisk(map.With(n, $"a subdisk of plex '{name}'"))).ToList(),
        };
    }

    private static Subdisk ReadSubdisk(YamlMap map)
    {
        map.AllowOnly("name", "disk", "offset", "length", "relocatedFrom");
        return new Subdisk
        {
            Name = map.String("name"), Disk = map.String("disk"), Offset = map.Long("offset"), Length = map.Long("length"),
            RelocatedFrom = map.OptionalString("relocatedFrom"),
        };
    }

    private static PlexDetach ReadDetach(YamlMap map)
    {
        map.AllowOnly("node", "disk", "reason");
        return new PlexDetach(map.String("node"), map.String("disk"), map.String("reason"));
    }
}
