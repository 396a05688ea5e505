using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Volumes;

/// <summary>What every member checks of a resolved volume or disk operation, against its own database and the disks it opens.</summary>
public sealed class VolumeNodeChecksTests
{
    private static readonly DiskRef FreeDisk = Disk("d9", 64);

    /// <summary>dg: d1, d2, d3 of 64 MiB; volume v (10 MiB on d1, plus Stale v-02 on d2).</summary>
    private static DiskGroup Group3()
    {
        var group = Group(64, 64, 64);
        var v = AddVolume(group, "v", 10 * MiB);
        v.Plexes.Add(PlexOf("v-02", PlexStates.Stale, Sd("d2-01", "d2", 0, 10 * MiB)));
        return group;
    }

    private static NodeCheckResult Check(Operation op, NodeDatabase? db = null, List<DiskInfo>? visible = null)
    {
        var group = Group3();
        var view = View(group);
        view.Disks.Add(Visible(FreeDisk));
        LayoutResolver.Resolve(view, [op]);
        db ??= Database(group);
        return NodeChecks.Run("n2", db, visible ?? VisibleTo(db, FreeDisk), Shared(op));
    }

    [Fact]
    public void Every_resolved_operation_passes_on_a_node_that_has_the_same_configuration_and_sees_the_disks()
    {
        Operation[] ops =
        [
            new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = 60 * MiB, Mirrors = 2 },
            new RemoveVolume { DiskGroup = "dg", Volume = "v" },
            new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 40 * MiB },
            new AddMirror { DiskGroup = "dg", Volume = "v" },
            new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-02" },
            new SetPlexState { DiskGroup = "dg", Volume = "v", Plex = "v-02", State = PlexStates.Active },
            new AddDisk { DiskGroup = "dg", Disks = [new DiskRef { Name = "d9" }] },
            new RemoveDisk { DiskGroup = "dg", Disks = ["d3"] },
        ];
        foreach (var op in ops)
        {
            var view = View(Group3());
            view.Disks.Add(Visible(FreeDisk));
            LayoutResolver.Resolve(view, [op]);
            var db = Database(Group3());
            var result = NodeChecks.Run("n2", db, VisibleTo(db, FreeDisk), Shared(op));
            Assert.True(result.Passed, $"{op.Describe()}: {result.Message}");
        }
    }

    [Fact]
    public void A_node_checks_that_it_can_open_every_disk_of_the_layout()
    {
        var result = Check(new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = 60 * MiB, Mirrors = 2 });

        Assert.Contains(result.Checks, c => c.Passed && c.Name == ErrorIds.DiskNotAccessible && c.Message == "disk 'd1' opens at /dev/vm/d1");
        Assert.Equal(3, result.Checks.Count(c => c.Name == ErrorIds.DiskNotAccessible));
    }

    [Fact]
    public void A_node_that_cannot_open_a_disk_of_the_layout_is_DiskNotAccessible_naming_node_and_disk()
    {
        var db = Database(Group3());
        var visible = VisibleTo(db).Where(d => d.Name != "d3").ToList();

        var failure = OnlyFailure(Check(new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = 60 * MiB, Mirrors = 2 }, db, visible));

        Assert.Equal(ErrorIds.DiskNotAccessible, failure.Name);
        Assert.Equal("node n2 cannot open disk 'd3', which volume 'w' has subdisks on.", failure.Message);
    }

    [Fact]
    public void A_node_that_cannot_open_a_disk_the_mirror_resyncs_from_is_DiskNotAccessible()
    {
        var db = Database(Group3());
        var visible = VisibleTo(db).Where(d => d.Name != "d1").ToList();

        var failure = OnlyFailure(Check(new AddMirror { DiskGroup = "dg", Volume = "v" }, db, visible));

        Assert.Equal(ErrorIds.DiskNotAccessible, failure.Name);
        Assert.Contains("disk 'd1'", failure.Message);
    }

    [Fact]
    public void A_node_without_the_group_is_DiskGroupNotFound_naming_the_node()
    {
        var failure = OnlyFailure(Check(new RemoveVolume { DiskGroup = "dg", Volume = "v" }, Database()));

        Assert.Equal(ErrorIds.DiskGroupNotFound, failure.Name);
        Assert.Equal("node n2 has no disk group named 'dg'.", failure.Message);
    }

    [Fact]
    public void A_node_without_the_volume_is_VolumeNotFound_naming_the_node()
    {
        var group = Group3();
        group.Volumes.Clear();

        var failure = OnlyFailure(Check(new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-02" }, Database(group)));

        Assert.Equal(ErrorIds.VolumeNotFound, failure.Name);
        Assert.Equal("node n2 has no volume named 'v' in disk group 'dg'.", failure.Message);
    }

    [Fact]
    public void A_node_that_already_has_the_volume_name_is_VolumeNameExists()
    {
        var group = Group3();
        AddVolume(group, "w", MiB);

        var result = Check(new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = MiB }, Database(group));

        var failure = Assert.Single(result.Checks, c => !c.Passed);
        Assert.Equal(ErrorIds.VolumeNameExists, failure.Name);
        Assert.Equal("node n2 already has a volume named 'w' in disk group 'dg'.", failure.Message);
    }

    [Fact]
    public void A_layout_that_collides_with_what_the_node_has_is_InvalidLayout()
    {
        var group = Group3();
        group.Volumes.Add(Vol("z", 20 * MiB, PlexOf("z-01", PlexStates.Active, Sd("d1-07", "d1", 10, 20 * MiB))));

        var failure = OnlyFailure(Check(new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = 20 * MiB }, Database(group)));

        Assert.Equal(ErrorIds.InvalidLayout, failure.Name);
        Assert.StartsWith("node n2 cannot apply the planned layout: subdisk 'd1-02'", failure.Message);
        Assert.Contains("overlaps subdisk 'd1-07'", failure.Message);
    }

    [Fact]
    public void A_proposal_without_a_layout_is_InvalidLayout_on_a_node()
    {
        var db = Database(Group3());

        var result = NodeChecks.Run("n2", db, VisibleTo(db), Shared(new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 20 * MiB }));

        var failure = OnlyFailure(result);
        Assert.Equal(ErrorIds.InvalidLayout, failure.Name);
        Assert.Equal("the proposal carries no subdisk layout for volume 'v'.", failure.Message);
        Assert.Equal("node n2: the proposal carries no subdisk layout for volume 'v'.", result.Message);
    }

    [Fact]
    public void A_resize_that_leaves_out_a_plex_the_node_has_is_InvalidLayout()
    {
        var op = new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 20 * MiB };
        LayoutResolver.Resolve(View(Group3()), [op]);
        op.Plexes.RemoveAt(1);
        var db = Database(Group3());

        var failure = OnlyFailure(NodeChecks.Run("n2", db, VisibleTo(db), Shared(op)));

        Assert.Equal(ErrorIds.InvalidLayout, failure.Name);
        Assert.Contains("is for plexes v-01, but the volume has v-01, v-02", failure.Message);
    }

    [Fact]
    public void The_last_plex_rules_hold_on_every_node()
    {
        var group = Group3();
        group.FindVolume("v")!.Plexes.RemoveAt(1);

        var failure = OnlyFailure(Check(new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-01" }, Database(group)));

        Assert.Equal(ErrorIds.LastPlex, failure.Name);
    }

    [Fact]
    public void Removing_a_disk_that_holds_subdisks_on_the_node_is_DiskHasSubdisks()
    {
        var failure = OnlyFailure(Check(new RemoveDisk { DiskGroup = "dg", Disks = ["d2"] }));

        Assert.Equal(ErrorIds.DiskHasSubdisks, failure.Name);
        Assert.Contains("volume 'v' (d2-01)", failure.Message);
    }

    [Fact]
    public void Adding_a_disk_the_node_cannot_open_is_DiskNotAccessible_and_one_it_sees_in_use_DiskInUse()
    {
        var db = Database(Group3());
        var notOpen = OnlyFailure(Check(new AddDisk { DiskGroup = "dg", Disks = [new DiskRef { Name = "d9" }] }, db, VisibleTo(db)));
        var inUse = OnlyFailure(Check(new AddDisk { DiskGroup = "dg", Disks = [new DiskRef { Name = "d9" }] }, db, [.. VisibleTo(db), Visible(FreeDisk, "dgY")]));

        Assert.Equal(ErrorIds.DiskNotAccessible, notOpen.Name);
        Assert.Equal("node n2 cannot open disk 'd9'.", notOpen.Message);
        Assert.Equal(ErrorIds.DiskInUse, inUse.Name);
        Assert.Equal("node n2 sees disk 'd9' in use by disk group 'dgY'.", inUse.Message);
    }

    [Fact]
    public void A_private_change_is_checked_against_the_owners_private_group()
    {
        var group = Group3();
        group.Shared = false;
        group.Owner = "n2";
        var db = new NodeDatabase { ClusterId = ClusterId, Generation = 3, Private = [group.Clone()] };
        var op = new CreateVolume { DiskGroup = "dg", Volume = "p", SizeBytes = MiB };
        LayoutResolver.Resolve(new ClusterView { DiskGroups = [group.Clone()] }, [op]);
        var tx = new Transaction { Id = "t", Scope = TransactionScope.Private, Owner = "n2", Members = ["n2"], Operations = [op] };

        var result = NodeChecks.Run("n2", db, VisibleTo(db), tx);

        Assert.True(result.Passed, result.Message);
        var shared = NodeChecks.Run("n2", db, VisibleTo(db), Shared(op));
        Assert.Contains(shared.Checks, c => c.Name == ErrorIds.DiskGroupNotFound && !c.Passed);
    }
}
