using System.Text.RegularExpressions;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Engine.Tests.Engine;

public sealed class DatabaseYamlTests
{
    [Fact]
    public void A_database_with_shared_and_private_groups_round_trips()
    {
        var database = Fixtures.Database();

        var back = DatabaseYaml.Read(DatabaseYaml.Write(database), "config.yaml");

        Assert.Equal(Fixtures.Json(database), Fixtures.Json(back));
        Assert.Equal("Stale", back.Shared[0].Volumes[0].Plexes[1].State);
        Assert.Equal("n1", back.Private[0].Owner);
        Assert.Null(back.Shared[0].Owner);
        Assert.Equal("true", back.Shared[1].Name);
        Assert.Equal("123", back.Shared[1].Disks[0].Name);
    }

    [Fact]
    public void The_same_database_always_gives_byte_identical_text_with_camel_case_keys()
    {
        var text = DatabaseYaml.Write(Fixtures.Database());

        Assert.Equal(text, DatabaseYaml.Write(Fixtures.Database()));
        Assert.Equal(text, DatabaseYaml.Write(DatabaseYaml.Read(text, "config.yaml")));
        Assert.StartsWith("clusterId: 6f1c2a9e-0000-0000-0000-000000000001\ngeneration: 7\nshared:\n", text);
        Assert.Contains("privateGeneration: 2", text);
        Assert.Contains("sizeBytes: 268435456", text);
        Assert.DoesNotContain("\r", text);
    }

    [Fact]
    public void Names_that_look_like_other_types_are_quoted()
    {
        var text = DatabaseYaml.Write(Fixtures.Database());

        Assert.Contains("name: \"true\"", text);
        Assert.Contains("name: \"123\"", text);
    }

    [Fact]
    public void An_empty_database_round_trips()
    {
        var empty = new NodeDatabase { ClusterId = Fixtures.ClusterId };

        var text = DatabaseYaml.Write(empty);

        Assert.Contains("shared: []", text);
        Assert.Equal(Fixtures.Json(empty), Fixtures.Json(DatabaseYaml.Read(text, "config.yaml")));
    }

    [Fact]
    public void The_shared_hash_ignores_private_groups()
    {
        var one = Fixtures.Database();
        var other = Fixtures.Database();
        other.Private.Clear();
        other.PrivateGeneration = 99;

        Assert.Equal(DatabaseYaml.SharedHash(one), DatabaseYaml.SharedHash(other));
        Assert.Matches("^[0-9a-f]{64}$", DatabaseYaml.SharedHash(one));
    }

    public static TheoryData<string> SharedChanges() => new()
    {
        "clusterId", "generation", "groupName", "groupOrder", "diskSize", "subdiskOffset", "plexState", "volumeRemoved",
    };

    [Theory]
    [MemberData(nameof(SharedChanges))]
    public void The_shared_hash_changes_when_anything_shared_changes(string change)
    {
        var changed = Fixtures.Database();
        Action apply = change switch
        {
            "clusterId" => () => changed.ClusterId = Guid.NewGuid(),
            "generation" => () => changed.Generation++,
            "groupName" => () => changed.Shared[0].Name = "dg02",
            "groupOrder" => () => changed.Shared.Reverse(),
            "diskSize" => () => changed.Shared[0].Disks[1].SizeBytes--,
            "subdiskOffset" => () => changed.Shared[0].Volumes[0].Plexes[0].Subdisks[0].Offset = 4096,
            "plexState" => () => changed.Shared[0].Volumes[0].Plexes[0].State = "Stale",
            "volumeRemoved" => () => changed.Shared[0].Volumes.RemoveAt(1),
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };
        apply();

        Assert.NotEqual(DatabaseYaml.SharedHash(Fixtures.Database()), DatabaseYaml.SharedHash(changed));
    }

    [Fact]
    public void A_truncated_file_is_refused_even_where_the_rest_parses()
    {
        var text = DatabaseYaml.Write(Fixtures.Database());
        var cut = text[..text.IndexOf("privateGeneration", StringComparison.Ordinal)];

        var e = Assert.Throws<ConfigurationFormatException>(() => DatabaseYaml.Read(cut, "/state/config.yaml"));

        Assert.Contains("truncated", e.Message);
        Assert.StartsWith("/state/config.yaml, line ", e.Message);
        Assert.Equal(cut.TrimEnd().Split('\n').Length, e.Line);
    }

    [Fact]
    public void A_file_cut_anywhere_never_reads_as_a_smaller_database()
    {
        var text = DatabaseYaml.Write(Fixtures.Database());

        for (var length = 0; length < text.TrimEnd().Length - 3; length += 7)
            Assert.Throws<ConfigurationFormatException>(() => DatabaseYaml.Read(text[..length], "config.yaml"));
    }

    [Fact]
    public void Bad_yaml_names_the_line_and_column()
    {
        var text = "clusterId: 6f1c2a9e-0000-0000-0000-000000000001\ngeneration: [1\n...\n";

        var e = Assert.Throws<ConfigurationFormatException>(() => DatabaseYaml.Read(text, "config.yaml"));

        Assert.Contains("not valid YAML", e.Message);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_the_key_and_where_it_is()
    {
        var text = DatabaseYaml.Write(Fixtures.Database()).Replace("generation: 7", "generation: seven");

        var e = Assert.Throws<ConfigurationFormatException>(() => DatabaseYaml.Read(text, "config.yaml"));

        Assert.Equal((2, 13), (e.Line, e.Column));
        Assert.Contains("'seven' is not a whole number", e.Message);
        Assert.Contains("'generation'", e.Message);
    }

    [Fact]
    public void A_missing_key_and_an_unknown_key_are_named()
    {
        var text = DatabaseYaml.Write(Fixtures.Database());

        var missing = Assert.Throws<ConfigurationFormatException>(() => DatabaseYaml.Read(Regex.Replace(text, @"^ *offset: 1048576\n", "", RegexOptions.Multiline), "config.yaml"));
        var unknown = Assert.Throws<ConfigurationFormatException>(() => DatabaseYaml.Read(text.Replace("offset: 1048576", "ofset: 1048576"), "config.yaml"));

        Assert.Contains("missing required key 'offset' in a subdisk of plex 'vol1-02'", missing.Message);
        Assert.Contains("unknown key 'ofset' in a subdisk of plex 'vol1-02'", unknown.Message);
        Assert.Equal(text.Split('\n').ToList().FindIndex(l => l.Contains("offset: 1048576")) + 1, unknown.Line);
    }

    [Fact]
    public void A_single_disk_group_round_trips()
    {
        var group = Fixtures.MirroredGroup("local1", shared: false, owner: "n1");

        var back = DatabaseYaml.ReadDiskGroup(DatabaseYaml.WriteDiskGroup(group), "copy");

        Assert.Equal(Fixtures.Json(group), Fixtures.Json(back));
    }
}
