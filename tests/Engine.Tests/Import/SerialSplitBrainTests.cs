using VolumeManager.Engine.Import;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Storage;
using VolumeManager.Engine.Tests.Engine;

namespace VolumeManager.Engine.Tests.Import;

/// <summary>Telling a configuration copy that is only older from one that diverged, and what an import makes of each.</summary>
public sealed class SerialSplitBrainTests
{
    private static readonly Guid Created = Fixtures.MirroredGroup("dg01", shared: true).Id;
    private static readonly Guid SiteA = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001");
    private static readonly Guid SiteB = Guid.Parse("bbbbbbbb-0000-0000-0000-000000000002");
    private static readonly Guid Later = Guid.Parse("cccccccc-0000-0000-0000-000000000003");

    /// <summary>The line a group created here is on, and lines forked from it by imports.</summary>
    private static readonly GroupLineage Root = new(Created, []);
    private static readonly GroupLineage A = Root.Fork(SiteA, 20);
    private static readonly GroupLineage B = Root.Fork(SiteB, 20);
    private static readonly GroupLineage AThenLater = A.Fork(Later, 31);

    private static ConfigSerial At(GroupLineage line, long generation) => new(line.Id, generation, line.Ancestry);

    public static TheoryData<string, ConfigSerial, ConfigSerial, SerialRelation> Pairs => new()
    {
        { "same line, same generation", At(Root, 7), At(Root, 7), SerialRelation.Same },
        { "same line, higher generation", At(Root, 9), At(Root, 7), SerialRelation.Newer },
        { "same line, lower generation", At(Root, 7), At(Root, 9), SerialRelation.Older },
        { "forked line against its parent before the fork", At(A, 3), At(Root, 12), SerialRelation.Newer },
        { "forked line against the fork point itself", At(A, 3), At(Root, 20), SerialRelation.Newer },
        { "forked line against its parent advanced past the fork", At(A, 3), At(Root, 21), SerialRelation.Diverged },
        { "parent before the fork against the forked line", At(Root, 12), At(A, 3), SerialRelation.Older },
        { "parent past the fork against the forked line", At(Root, 25), At(A, 3), SerialRelation.Diverged },
        { "two lines forked from the same copy", At(A, 40), At(B, 2), SerialRelation.Diverged },
        { "two lines forked from the same copy, same generations", At(A, 5), At(B, 5), SerialRelation.Diverged },
        { "grandchild against the grandparent before the first fork", At(AThenLater, 1), At(Root, 3), SerialRelation.Newer },
        { "grandchild against its parent line before its fork", At(AThenLater, 1), At(A, 31), SerialRelation.Newer },
        { "grandchild against its parent line past its fork", At(AThenLater, 1), At(A, 32), SerialRelation.Diverged },
        { "grandchild against its parent's sibling", At(AThenLater, 50), At(B, 1), SerialRelation.Diverged },
        { "unrelated lines", At(new GroupLineage(SiteA, []), 9), At(new GroupLineage(SiteB, []), 9), SerialRelation.Diverged },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Descent_is_decided_from_the_line_its_forks_and_the_generation(string why, ConfigSerial first, ConfigSerial second, SerialRelation expected)
    {
        Assert.True(expected == first.Compare(second), $"{why}: expected {expected}, got {first.Compare(second)}");
        var mirrored = expected switch { SerialRelation.Newer => SerialRelation.Older, SerialRelation.Older => SerialRelation.Newer, _ => expected };
        Assert.Equal(mirrored, second.Compare(first));
    }

    [Fact]
    public void The_ancestry_keeps_the_newest_forks_only()
    {
        var line = Root;
        for (var i = 0; i < GroupLineage.MaxAncestry + 4; i++) line = line.Fork(Guid.NewGuid(), i);

        Assert.Equal(GroupLineage.MaxAncestry, line.Ancestry.Count);
        Assert.Equal(GroupLineage.MaxAncestry + 3, line.Ancestry[^1].Generation);
    }

    private static DiskGroup Copy(GroupLineage? line) { var g = Fixtures.MirroredGroup("dg01", shared: true); g.Lineage = line; return g; }

    private static DiskCopy On(DiskRef disk, GroupLineage? line, long generation) => new()
    {
        Path = $"/dev/vm/{disk.Name}", DiskName = disk.Name, DiskId = disk.Id, DiskGroup = "dg01",
        DiskGroupId = Created, Generation = generation, Group = Copy(line),
    };

    private static readonly DiskRef D1 = Fixtures.MirroredGroup("dg01", shared: true).Disks[0];
    private static readonly DiskRef D2 = Fixtures.MirroredGroup("dg01", shared: true).Disks[1];

    [Fact]
    public void A_copy_only_older_across_an_import_is_superseded_silently()
    {
        var selection = ImportSelection.Choose("dg01", [On(D1, A, 4), On(D2, null, 18)]);

        Assert.False(selection.SplitBrain);
        Assert.Equal(4, selection.Generation);
        Assert.Equal(["dg01-d1"], selection.Chosen.Select(c => c.DiskName));
        Assert.Equal(["dg01-d2"], selection.Older.Select(c => c.DiskName));
        Assert.Null(selection.Problem);
    }

    [Fact]
    public void Copies_that_diverged_are_refused_with_each_side_and_its_generation()
    {
        var selection = ImportSelection.Choose("dg01", [On(D1, A, 4), On(D2, B, 9)]);

        Assert.True(selection.SplitBrain);
        Assert.Null(selection.Group);
        Assert.Equal([(9L, "dg01-d2"), (4L, "dg01-d1")], selection.Sides.Select(s => (s.Serial.Generation, s.Disks.Single().DiskName)));
        Assert.Contains("diverged (serial split brain)", selection.Problem);
        Assert.Contains("disk dg01-d2 at generation 9 of line bbbbbbbb; and on disk dg01-d1 at generation 4 of line aaaaaaaa", selection.Problem);
        Assert.Contains("-FromDisk", selection.Problem);
    }

    [Fact]
    public void A_disk_named_takes_its_side_and_the_other_side_is_overruled()
    {
        var selection = ImportSelection.Choose("dg01", [On(D1, A, 4), On(D2, B, 9)], fromDisk: "dg01-d1");

        Assert.False(selection.SplitBrain);
        Assert.Equal(4, selection.Generation);
        Assert.Equal(SiteA, selection.Serial!.Lineage);
        Assert.Equal(SiteA, selection.Group!.Lineage!.Id);
        Assert.Equal(["dg01-d1"], selection.Chosen.Select(c => c.DiskName));
        Assert.Equal(["dg01-d2"], selection.Overruled.Select(c => c.DiskName));
    }

    [Fact]
    public void Disks_on_the_same_side_are_chosen_together()
    {
        var selection = ImportSelection.Choose("dg01", [On(D1, B, 9), On(D2, B, 9)], fromDisk: "dg01-d2");

        Assert.Equal(["dg01-d1", "dg01-d2"], selection.Chosen.Select(c => c.DiskName));
        Assert.Empty(selection.Overruled);
    }

    [Fact]
    public void A_disk_named_that_holds_no_copy_of_the_group_is_a_problem()
    {
        Assert.Equal("No visible disk named 'nope' belongs to a disk group named 'dg01'.",
            ImportSelection.Choose("dg01", [On(D1, A, 4)], fromDisk: "nope").Problem);
        var damaged = On(D2, A, 4);
        damaged.Group = null;
        damaged.Problem = "there is no configuration copy";
        Assert.Contains("holds no readable configuration copy: there is no configuration copy",
            ImportSelection.Choose("dg01", [On(D1, A, 4), damaged], fromDisk: "dg01-d2").Problem);
    }

    [Fact]
    public void An_import_starts_a_new_line_forked_from_the_copy_it_took()
    {
        var op = new ImportDiskGroup { DiskGroup = "dg01", Group = Copy(A), Shared = true, CopyGeneration = 4 };
        var groups = new List<DiskGroup>();

        op.ApplyTo(groups, 12);

        var line = groups.Single().Lineage!;
        Assert.Equal(op.Lineage, line.Id);
        Assert.Equal([new SerialPoint(Created, 20), new SerialPoint(SiteA, 4)], line.Ancestry);
        Assert.NotEqual(op.Lineage, new ImportDiskGroup().Lineage);
    }

    [Fact]
    public void The_lineage_survives_the_copy_text_the_journal_and_the_wire()
    {
        var group = Copy(AThenLater);

        var read = DatabaseYaml.ReadDiskGroup(DatabaseYaml.WriteDiskGroup(group), "test");
        var wire = WireJson.Deserialize<DiskGroup>(WireJson.SerializeToString(group));
        var before = new NodeDatabase { Shared = [Copy(AThenLater)] };
        var after = new NodeDatabase { Shared = [Copy(B)] };
        after.Shared[0].DetachPolicy = DetachPolicies.Local;
        var replayed = DatabaseChange.Between(before, after)!.ApplyTo(before);

        var database = new NodeDatabase { Shared = [Copy(AThenLater), Fixtures.MirroredGroup("other", shared: true)], Private = [Copy(B)] };
        var snapshot = DatabaseYaml.Read(DatabaseYaml.Write(database), "test");

        Assert.Equal(AThenLater.Ancestry, read.Lineage!.Ancestry);
        Assert.Equal(AThenLater.Ancestry, snapshot.Shared[0].Lineage!.Ancestry);
        Assert.Null(snapshot.Shared[1].Lineage);
        Assert.Equal(SiteB, snapshot.Private[0].Lineage!.Id);
        Assert.Equal(DatabaseYaml.SharedHash(database), DatabaseYaml.SharedHash(snapshot));
        Assert.Equal(AThenLater.Id, wire.Lineage!.Id);
        Assert.Equal(AThenLater.Ancestry, wire.Lineage.Ancestry);
        Assert.Equal(SiteB, replayed.Shared.Single().Lineage!.Id);
        Assert.Equal(DetachPolicies.Local, replayed.Shared.Single().DetachPolicy);
    }

    [Fact]
    public void A_group_never_imported_writes_no_lineage_and_is_on_its_own_line()
    {
        var group = Fixtures.MirroredGroup("dg01", shared: true);

        Assert.DoesNotContain("lineage", DatabaseYaml.WriteDiskGroup(group));
        Assert.Equal(Created, ConfigSerial.Of(group, 3).Lineage);
    }
}

/// <summary>A private group a node comes back holding, against its disks' copies.</summary>
public sealed class HeldGroupCheckTests
{
    private static readonly Guid Elsewhere = Guid.Parse("eeeeeeee-0000-0000-0000-000000000005");

    private static DiskGroup Held(long generation) { var g = Fixtures.MirroredGroup("local1", shared: false, owner: "n3"); g.Generation = generation; return g; }

    private static DiskCopy On(DiskRef disk, GroupLineage? line, long generation)
    {
        var group = Held(generation);
        group.Lineage = line;
        return new DiskCopy { Path = "/dev/" + disk.Name, DiskName = disk.Name, DiskId = disk.Id, DiskGroup = group.Name, DiskGroupId = group.Id, Generation = generation, Group = group };
    }

    private static readonly DiskGroup Base = Held(6);
    private static readonly GroupLineage Root = GroupLineage.Of(Base);

    [Fact]
    public void Copies_at_the_nodes_serial_or_older_keep_the_group()
    {
        var finding = HeldGroupCheck.Check("n3", Held(6), [On(Base.Disks[0], null, 6), On(Base.Disks[1], null, 4)]);

        Assert.Equal(HeldGroupVerdict.Current, finding.Verdict);
    }

    [Fact]
    public void Copies_imported_elsewhere_from_the_nodes_configuration_supersede_it()
    {
        var finding = HeldGroupCheck.Check("n3", Held(6), [On(Base.Disks[0], Root.Fork(Elsewhere, 6), 9)]);

        Assert.Equal(HeldGroupVerdict.Superseded, finding.Verdict);
        Assert.Contains("node n3 held private disk group 'local1' at generation 6", finding.Message);
        Assert.Contains("disk local1-d1 at generation 9 of line eeeeeeee", finding.Message);
    }

    [Fact]
    public void Copies_imported_from_before_the_nodes_last_change_diverged()
    {
        var finding = HeldGroupCheck.Check("n3", Held(6), [On(Base.Disks[0], Root.Fork(Elsewhere, 5), 9), On(Base.Disks[1], null, 6)]);

        Assert.Equal(HeldGroupVerdict.Diverged, finding.Verdict);
        Assert.StartsWith("SerialSplitBrain: node n3 holds private disk group 'local1' at generation 6", finding.Message);
        Assert.Contains("disk local1-d1 at generation 9 of line eeeeeeee diverged", finding.Message);
        Assert.DoesNotContain("local1-d2", finding.Message);
    }

    [Fact]
    public void Copies_of_another_group_or_disk_are_not_compared()
    {
        var other = On(Base.Disks[0], Root.Fork(Elsewhere, 5), 9);
        other.DiskGroupId = Guid.NewGuid();
        var stranger = On(new DiskRef { Name = "x", Id = Guid.NewGuid() }, Root.Fork(Elsewhere, 5), 9);

        Assert.Equal(HeldGroupVerdict.Current, HeldGroupCheck.Check("n3", Held(6), [other, stranger]).Verdict);
    }
}
