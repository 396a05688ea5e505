using System.IO.Compression;
using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Storage;
using VolumeManager.Engine.Tests.Engine;
using VolumeManager.Engine.Tests.Transport;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Tests.Agent;

/// <summary>The configuration backups a node keeps, and writing one back: the restore operation and its checks.</summary>
public sealed class ConfigBackupsTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly List<string> logged = [];

    public void Dispose() => temp.Dispose();

    private StateFiles Files => new(temp.Path);

    private static DiskGroup At(long generation, params string[] volumes)
    {
        var group = Fixtures.MirroredGroup("dg01", shared: true);
        group.Generation = generation;
        group.Volumes = volumes.Select(v => new Volume { Name = v, SizeBytes = 1 << 20 }).ToList();
        return group;
    }

    private static NodeDatabase Holding(DiskGroup group) => new() { Generation = group.Generation, Shared = [group] };

    [Fact]
    public void Each_new_generation_of_a_group_is_kept_and_only_the_newest_are()
    {
        var backups = new ConfigBackups(Files, "n1", keep: 3, logged.Add);
        for (var generation = 1; generation <= 6; generation++)
        {
            backups.Record(Holding(At(generation, $"v{generation}")));
            backups.Record(Holding(At(generation, $"v{generation}"))); // the same generation again writes nothing
        }

        backups.Written.Wait();
        var kept = backups.List("dg01", null);
        Assert.Equal([6L, 5, 4], kept.Select(b => b.Generation));
        Assert.All(kept, b => Assert.Null(b.Group));
        Assert.Equal(["v5"], kept[1].Volumes);
        Assert.Equal(3, Directory.GetFiles(Files.BackupFolder("dg01", At(1).Id)).Length);
        Assert.Empty(logged);
    }

    [Fact]
    public void A_backup_file_is_the_groups_yaml_gzipped_and_one_generation_comes_with_its_configuration()
    {
        var backups = new ConfigBackups(Files, "n1", Rotation.DefaultKeep, logged.Add);
        var group = At(4, "a", "b");
        backups.Record(Holding(group));
        backups.Written.Wait();

        using var gzip = new GZipStream(File.OpenRead(Files.Backup("dg01", group.Id, 4)), CompressionMode.Decompress);
        Assert.Equal(DatabaseYaml.WriteDiskGroup(group), new StreamReader(gzip).ReadToEnd());
        var one = Assert.Single(backups.List("dg01", 4));
        Assert.Equal(["a", "b"], one.Group!.Volumes.Select(v => v.Name));
        Assert.Equal(("n1", ConfigBackup.HashOf(group)), (one.Node, one.ContentHash));
        Assert.Empty(backups.List("dg01", 3));
        Assert.Empty(backups.List("dg0", null));
    }

    [Fact]
    public void The_content_hash_leaves_out_the_generation_and_lineage_only()
    {
        var restored = At(9, "a");
        restored.Lineage = new GroupLineage(Guid.NewGuid(), []);

        Assert.Equal(ConfigBackup.HashOf(At(4, "a")), ConfigBackup.HashOf(restored));
        Assert.NotEqual(ConfigBackup.HashOf(At(4, "a")), ConfigBackup.HashOf(At(4, "b")));
    }

    [Fact]
    public void An_unreadable_backup_is_logged_and_left_out()
    {
        var backups = new ConfigBackups(Files, "n1", Rotation.DefaultKeep, logged.Add);
        backups.Record(Holding(At(4, "a")));
        backups.Record(Holding(At(5, "a")));
        backups.Written.Wait();
        File.WriteAllText(Files.Backup("dg01", At(4).Id, 4), "not gzip");

        Assert.Equal([5L], backups.List(null, null).Select(b => b.Generation));
        Assert.Contains(logged, l => l.Contains("is unreadable"));
    }

    [Fact]
    public void The_count_kept_is_read_from_cluster_yaml_and_checked()
    {
        const string yaml = ClusterDefinitionYamlTests.Example + "\n";
        Assert.Equal(Rotation.DefaultKeep, ClusterDefinitionYaml.Parse(yaml, "cluster.yaml").ConfigBackups);
        Assert.DoesNotContain("configBackups", ClusterDefinitionYaml.Write(ClusterDefinitionYaml.Parse(yaml, "cluster.yaml")));
        var twelve = ClusterDefinitionYaml.Parse(yaml + "configBackups: 12\n", "cluster.yaml");
        Assert.Equal(12, twelve.ConfigBackups);
        Assert.Equal(12, ClusterDefinitionYaml.Parse(ClusterDefinitionYaml.Write(twelve), "cluster.yaml").ConfigBackups);
        var refused = Assert.Throws<ConfigurationFormatException>(() => ClusterDefinitionYaml.Parse(yaml + "configBackups: 0\n", "cluster.yaml"));
        Assert.Contains("'0' is not a count from 1 to 1000", refused.Message);
    }

    [Fact]
    public void A_restore_replaces_the_volumes_and_keeps_the_groups_identity_disks_and_lineage()
    {
        var now = At(8, "x");
        now.Lineage = new GroupLineage(Guid.NewGuid(), []);
        now.Disks[0].State = DiskStates.Failing;
        var op = new RestoreDiskGroup { DiskGroup = "dg01", Backup = At(5, "a", "b"), BackupGeneration = 5 };
        List<DiskGroup> groups = [now];

        op.ApplyTo(groups, 9);

        Assert.Equal(["a", "b"], groups[0].Volumes.Select(v => v.Name));
        Assert.Equal((9L, now.Id, true), (groups[0].Generation, groups[0].Id, groups[0].Shared));
        Assert.Same(now.Lineage, groups[0].Lineage);
        Assert.Equal(DiskStates.Failing, groups[0].Disks[0].State);
        Assert.Equal(["x"], now.Volumes.Select(v => v.Name)); // the configuration before is left as it was
    }

    private static NodeCheckResult Check(DiskGroup group, RestoreDiskGroup op, IEnumerable<DiskRef>? visible = null) =>
        NodeChecks.Run("n2", Holding(group), (visible ?? group.Disks).Select(d => new DiskInfo { Name = d.Name, Id = d.Id, Path = "/dev/" + d.Name }).ToList(),
            new Transaction { Id = "T1", Scope = TransactionScope.Shared, BaseGeneration = group.Generation, Operations = [op] });

    [Fact]
    public void A_node_passes_a_backup_of_the_same_disks_it_opens()
    {
        var result = Check(At(8, "x"), new RestoreDiskGroup { DiskGroup = "dg01", Backup = At(5, "a"), BackupGeneration = 5 });

        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void A_node_refuses_a_backup_whose_disks_differ_naming_each_disk()
    {
        var now = At(8, "x");
        now.Disks.Add(new DiskRef { Name = "dg01-d3", Id = Guid.NewGuid() });
        var backup = At(5, "a");
        backup.Disks[1] = new DiskRef { Name = "renamed", Id = backup.Disks[1].Id };

        var result = Check(now, new RestoreDiskGroup { DiskGroup = "dg01", Backup = backup, BackupGeneration = 5 });

        var failed = result.Checks.Where(c => !c.Passed).ToList();
        Assert.All(failed, c => Assert.Equal(ErrorIds.BackupDiskMismatch, c.Name));
        Assert.Contains(failed, c => c.Message == "node n2: disk 'renamed' of the backup of generation 5 is named 'dg01-d2' in disk group 'dg01' now.");
        Assert.Contains(failed, c => c.Message.StartsWith("node n2: disk 'dg01-d3' (", StringComparison.Ordinal) && c.Message.EndsWith("of disk group 'dg01' is not in the backup of generation 5.", StringComparison.Ordinal));
    }

    [Fact]
    public void A_node_refuses_a_backup_of_another_group_or_disks_it_cannot_open()
    {
        var other = At(5, "a");
        other.Id = Guid.NewGuid();
        var group = At(8, "x");

        var foreign = Check(group, new RestoreDiskGroup { DiskGroup = "dg01", Backup = other, BackupGeneration = 5 });
        var hidden = Check(group, new RestoreDiskGroup { DiskGroup = "dg01", Backup = At(5, "a"), BackupGeneration = 5 }, visible: [group.Disks[0]]);

        Assert.Equal(ErrorIds.BackupNotFound, foreign.FirstFailure!.Name);
        Assert.Contains("not of the disk group 'dg01' imported now", foreign.FirstFailure.Message);
        Assert.Equal(ErrorIds.DiskNotAccessible, hidden.FirstFailure!.Name);
        Assert.StartsWith("node n2 cannot open disk 'dg01-d2'", hidden.FirstFailure.Message);
    }

    [Fact]
    public void The_initiator_refuses_a_restore_of_a_group_that_is_not_imported()
    {
        var checks = LocalChecks.Run(new ClusterView(), new RestoreDiskGroup { DiskGroup = "dg01", Backup = At(5), BackupGeneration = 5 });

        Assert.Contains(checks, c => !c.Passed && c.Name == ErrorIds.DiskGroupNotFound);
    }

    [Fact]
    public void The_restore_operation_travels_on_the_wire()
    {
        Operation op = new RestoreDiskGroup { DiskGroup = "dg01", Backup = At(5, "a"), BackupGeneration = 5 };

        var back = Assert.IsType<RestoreDiskGroup>(WireJson.Deserialize<Operation>(WireJson.SerializeToString(op)));

        Assert.Equal((5L, "a"), (back.BackupGeneration, back.Backup.Volumes.Single().Name));
    }
}
