using System.Security.Cryptography;
using System.Text;
using VolumeManager.Engine.Model;
using YamlDotNet.RepresentationModel;
using static VolumeManager.Engine.Serialization.YamlText;

namespace VolumeManager.Engine.Serialization;

/// <summary>
/// A node's configuration database as YAML text. The same database always gives byte-identical
/// text, so members compare shared configuration by <see cref="SharedHash"/>.
/// </summary>
public static class DatabaseYaml
{
    private const string EndMarker = "...";

    public static string Write(NodeDatabase database) => ConfigText.Database(database, Emit(Root(Hollow(database), null)));

    /// <summary>The database as a snapshot of the node's journal: <paramref name="journalSequence"/> is the last journal record it holds.</summary>
    public static string WriteSnapshot(NodeDatabase database, long journalSequence) =>
        ConfigText.Database(database, Emit(Root(Hollow(database), journalSequence)));

    /// <summary>The whole database emitted in one pass, as <see cref="Write"/> composes it from each volume's cached text.</summary>
    internal static string EmitWhole(NodeDatabase database) => Emit(Root(database, null));

    /// <summary>The database with its groups' volume lists empty: <see cref="ConfigText.Database"/> fills them in.</summary>
    private static NodeDatabase Hollow(NodeDatabase database)
    {
        var hollow = database.CopyForChange();
        hollow.Shared = database.Shared.Select(Hollow).ToList();
        hollow.Private = database.Private.Select(Hollow).ToList();
        return hollow;
    }

    private static DiskGroup Hollow(DiskGroup group)
    {
        var hollow = group.CopyForChange();
        hollow.Volumes = [];
        return hollow;
    }

    private static YamlMappingNode Root(NodeDatabase database, long? journalSequence) => Map(
        ("clusterId", Id(database.ClusterId)),
        ("generation", Number(database.Generation)),
        ("shared", ModelYaml.Groups(database.Shared)),
        ("privateGeneration", Number(database.PrivateGeneration)),
        ("private", ModelYaml.Groups(database.Private)),
        ("epoch", Number(database.Epoch)),
        ("membership", Sequence(database.Membership.Select(name => (YamlNode)Text(name)!))),
        ("lastTransaction", Text(database.LastTransaction)),
        ("journalSequence", journalSequence is { } sequence ? Number(sequence) : null));

    /// <summary>Reads what <see cref="Write"/> wrote; a corrupt or truncated text throws <see cref="ConfigurationFormatException"/>.</summary>
    public static NodeDatabase Read(string text, string sourceName) => ReadSnapshot(text, sourceName).Database;

    /// <summary>Reads what <see cref="WriteSnapshot"/> (or <see cref="Write"/>: sequence 0) wrote.</summary>
    public static (NodeDatabase Database, long JournalSequence) ReadSnapshot(string text, string sourceName)
    {
        RequireEndMarker(text, sourceName);
        var map = YamlMap.From(LoadRoot(text, sourceName), sourceName, "the configuration database")
            .AllowOnly("clusterId", "generation", "shared", "privateGeneration", "private", "epoch", "membership", "lastTransaction", "journalSequence");
        return (Database(map), map.Has("journalSequence") ? map.Long("journalSequence") : 0);
    }

    private static NodeDatabase Database(YamlMap map) => new()
    {
        ClusterId = map.Guid("clusterId"),
        Generation = map.Long("generation"),
        Shared = ModelYaml.ReadGroups(map, "shared"),
        PrivateGeneration = map.Long("privateGeneration"),
        Private = ModelYaml.ReadGroups(map, "private"),
        // Written since the membership became durable; a database from before reads as "never joined".
        Epoch = map.Has("epoch") ? map.Long("epoch") : 0,
        Membership = map.OptionalSequence("membership").Select(node => YamlValue.Text(map, node, "membership")).ToList(),
        LastTransaction = map.OptionalString("lastTransaction"),
    };

    /// <summary>One disk group alone: the configuration copy kept in its disks' private regions.</summary>
    public static string WriteDiskGroup(DiskGroup group) => ConfigText.Group(group);

    public static DiskGroup ReadDiskGroup(string text, string sourceName) =>
        ModelYaml.ReadGroup(YamlMap.From(LoadRoot(text, sourceName), sourceName, "the disk group"));

    /// <summary>
    /// Lower-case hex SHA-256 of the canonical YAML of the cluster id and generation, followed by each shared disk
    /// group's hash in order (<see cref="ConfigText.GroupHash"/>: kept per group, so a change rehashes only the
    /// groups it touched, and of those only the volumes it touched); private groups do not count.
    /// </summary>
    public static string SharedHash(NodeDatabase database)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(Emit(Map(("clusterId", Id(database.ClusterId)), ("generation", Number(database.Generation))))));
        foreach (var group in database.Shared) hash.AppendData(ConfigText.GroupHash(group));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Write ends every database with "..."; without it the text was cut short, even if what is left parses.</summary>
    private static void RequireEndMarker(string text, string sourceName)
    {
        var trimmed = text.TrimEnd();
        if (trimmed == EndMarker || trimmed.EndsWith("\n" + EndMarker, StringComparison.Ordinal)) return;
        var lines = trimmed.Split('\n');
        throw new ConfigurationFormatException(sourceName, lines.Length, lines[^1].Length + 1,
            $"the configuration database ends without its end marker '{EndMarker}': the file is truncated or was not written by the agent.");
    }
}
