using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Volumes;

/// <summary>The initiating node's checks of volume and disk operations, against its view, after it resolved the layout.</summary>
public sealed class VolumeLocalChecksTests
{
    private static readonly DiskRef FreeDisk = Disk("d9", 64);

    /// <summary>dg: d1, d2, d3 of 64 MiB; volume v (10 MiB, one plex on d1); d9 free; dgX holds dx.</summary>
    private static ClusterView View()
    {
        var group = Group(64, 64, 64);
        AddVolume(group, "v", 10 * MiB);
        var other = new DiskGroup { Name = "dgX", Id = Guid.NewGuid(), Shared = true, Disks = [Disk("dx", 64)] };
        var view = VolumeFixtures.View(group, other);
        view.Disks.Add(Visible(FreeDisk));
        return view;
    }

    private static List<CheckResult> Check(Operation op, ClusterView? view = null)
    {
        view ??= View();
        LayoutResolver.Resolve(view, [op]);
        return LocalChecks.Run(view, op);
    }

    private static CheckResult Refused(Operation op, string errorId, ClusterView? view = null)
    {
        var failure = OnlyFailure(Check(op, view));
        Assert.Equal(errorId, failure.Name);
        return failure;
    }

    [Fact]
    public void Every_operation_that_fits_passes_every_local_check()
    {
        Operation[] ops =
        [
            new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = 100 * MiB, Mirrors = 1 },
            new CreateVolume { DiskGroup = "dg", Volume = "m", SizeBytes = 50 * MiB, Mirrors = 3 },
            new RemoveVolume { DiskGroup = "dg", Volume = "v" },
            new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 100 * MiB },
            new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 512 },
            new AddMirror { DiskGroup = "dg", Volume = "v" },
            new AddMirror { DiskGroup = "dg", Volume = "v", Disks = ["d3"] },
            new SetPlexState { DiskGroup = "dg", Volume = "v", Plex = "v-01", State = PlexStates.Active },
            new AddDisk { DiskGroup = "dg", Disks = [new DiskRef { Name = "d9" }] },
            new RemoveDisk { DiskGroup = "dg", Disks = ["d2", "d3"] },
        ];

        foreach (var op in ops) AllPassed(Check(op));
    }

    [Fact]
    public void A_passed_layout_check_says_where_the_volume_goes()
    {
        var checks = Check(new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = 100 * MiB, Mirrors = 1 });

        var layout = Assert.Single(checks, c => c.Name == ErrorIds.InsufficientSpace);
        Assert.Equal("volume 'w' fits: w-01 on d1, d2", layout.Message);
    }

    [Theory]
    [InlineData("bad/name", "volume name 'bad/name' is not valid")]
    [InlineData("", "volume name is empty")]
    public void An_invalid_volume_name_is_InvalidName(string name, string reason)
    {
        var failure = Refused(new CreateVolume { DiskGroup = "dg", Volume = name, SizeBytes = MiB }, ErrorIds.InvalidName);

        Assert.Contains(reason, failure.Message);
    }

    [Fact]
    public void An_invalid_disk_name_is_InvalidName_and_nothing_else_is_checked()
    {
        var checks = Check(new AddMirror { DiskGroup = "nope", Volume = "v", Disks = ["d;1"] });

        var failure = OnlyFailure(checks);
        Assert.Equal(ErrorIds.InvalidName, failure.Name);
        Assert.Contains("disk name 'd;1'", failure.Message);
        Assert.DoesNotContain(checks, c => c.Name == ErrorIds.DiskGroupNotFound);
        Assert.Equal(ErrorIds.InvalidName, Refused(new AddDisk { DiskGroup = "dg", Disks = [new DiskRef { Name = "../x" }] }, ErrorIds.InvalidName).Name);
    }

    [Fact]
    public void A_group_that_does_not_exist_is_DiskGroupNotFound()
    {
        var failure = Refused(new CreateVolume { DiskGroup = "dg9", Volume = "w", SizeBytes = MiB }, ErrorIds.DiskGroupNotFound);

        Assert.Equal("No disk group named 'dg9' exists.", failure.Message);
    }

    [Fact]
    public void A_volume_name_the_group_has_is_VolumeNameExists()
    {
        var failure = Refused(new CreateVolume { DiskGroup = "dg", Volume = "v", SizeBytes = MiB }, ErrorIds.VolumeNameExists);

        Assert.Equal("Disk group 'dg' already has a volume named 'v'.", failure.Message);
    }

    [Theory]
    [InlineData(0L, "The size of volume 'w' must be greater than zero.")]
    [InlineData(-1048576L, "The size of volume 'w' cannot be negative (-1048576 bytes).")]
    [InlineData(1000L, "The size of volume 'w', 1000 bytes, is not a whole number of 512-byte sectors; use 512 bytes or 1 KiB (1024 bytes).")]
    public void A_new_volume_of_zero_negative_or_partial_sector_size_is_InvalidSize(long size, string message)
    {
        var failure = Refused(new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = size }, ErrorIds.InvalidSize);

        Assert.Equal(message, failure.Message);
    }

    [Theory]
    [InlineData(0L, "must be greater than zero")]
    [InlineData(-10485760L, "cannot be negative")]
    [InlineData(10485761L, "not a whole number of 512-byte sectors")]
    [InlineData(10485760L, "Volume 'v' is already 10 MiB (10485760 bytes); give a different size to grow or shrink it.")]
    public void Resizing_to_zero_below_zero_a_partial_sector_or_the_same_size_is_InvalidSize(long size, string reason)
    {
        var failure = Refused(new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = size }, ErrorIds.InvalidSize);

        Assert.Contains(reason, failure.Message);
    }

    [Fact]
    public void A_volume_larger_than_the_free_space_is_InsufficientSpace_saying_how_much_is_free()
    {
        var failure = Refused(new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = 200 * MiB }, ErrorIds.InsufficientSpace);

        Assert.Equal("Volume 'w' needs 200 MiB (209715200 bytes), but disk group 'dg' has 182 MiB (190840832 bytes) free (d1 54 MiB, d2 64 MiB, d3 64 MiB).", failure.Message);
    }

    [Fact]
    public void Growing_beyond_the_free_space_is_InsufficientSpace()
    {
        var failure = Refused(new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 300 * MiB }, ErrorIds.InsufficientSpace);

        Assert.Contains("Disk group 'dg' has 182 MiB (190840832 bytes) free.", failure.Message);
    }

    [Fact]
    public void More_mirrors_than_disks_is_InsufficientDisks_saying_how_many_disks_there_are()
    {
        var failure = Refused(new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = MiB, Mirrors = 4 }, ErrorIds.InsufficientDisks);

        Assert.Contains("has only 3 disks (d1, d2, d3)", failure.Message);
    }

    [Fact]
    public void A_mirror_count_of_zero_is_InvalidMirrorCount()
    {
        Refused(new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = MiB, Mirrors = 0 }, ErrorIds.InvalidMirrorCount);
    }

    [Fact]
    public void A_volume_the_group_does_not_have_is_VolumeNotFound_for_every_volume_operation()
    {
        VolumeOperation[] ops =
        [
            new RemoveVolume(), new ResizeVolume { SizeBytes = MiB }, new AddMirror(),
            new RemoveMirror { Plex = "x-01" }, new SetPlexState { Plex = "x-01", State = PlexStates.Active },
        ];
        foreach (var op in ops)
        {
            op.DiskGroup = "dg";
            op.Volume = "x";
            Assert.Equal("Disk group 'dg' has no volume named 'x'.", Refused(op, ErrorIds.VolumeNotFound).Message);
        }
    }

    [Fact]
    public void Removing_the_only_plex_is_LastPlex()
    {
        var failure = Refused(new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-01" }, ErrorIds.LastPlex);

        Assert.Equal("Plex 'v-01' is the only plex of volume 'v'; remove the volume instead (Remove-VmVolume).", failure.Message);
    }

    [Fact]
    public void Removing_the_last_Active_plex_while_another_is_Stale_is_LastPlex_but_the_Stale_one_may_go()
    {
        var view = View();
        var v = view.FindDiskGroup("dg")!.FindVolume("v")!;
        v.Plexes.Add(PlexOf("v-02", PlexStates.Stale, Sd("d2-01", "d2", 0, 10 * MiB)));

        var failure = Refused(new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-01" }, ErrorIds.LastPlex, view);

        Assert.Contains("Plex 'v-01' is the last Active plex of volume 'v'; its other plexes (v-02: Stale) do not hold current data yet.", failure.Message);
        AllPassed(Check(new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-02" }, view));
    }

    [Fact]
    public void The_plexes_of_a_volume_with_a_name_of_the_longest_length_can_be_named()
    {
        var view = View();
        var name = new string('v', 31);
        var group = view.FindDiskGroup("dg")!;
        AddVolume(group, name, MiB, 2);

        AllPassed(Check(new RemoveMirror { DiskGroup = "dg", Volume = name, Plex = name + "-02" }, view));
    }

    [Fact]
    public void A_plex_the_volume_does_not_have_is_PlexNotFound_naming_the_plexes_it_has()
    {
        var failure = Refused(new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-07" }, ErrorIds.PlexNotFound);

        Assert.Equal("Volume 'v' has no plex named 'v-07'; its plexes are v-01.", failure.Message);
    }

    [Fact]
    public void Marking_a_plex_with_an_unknown_state_is_InvalidPlexState_and_demoting_the_last_Active_one_is_LastPlex()
    {
        var unknown = Refused(new SetPlexState { DiskGroup = "dg", Volume = "v", Plex = "v-01", State = "active" }, ErrorIds.InvalidPlexState);
        var last = Refused(new SetPlexState { DiskGroup = "dg", Volume = "v", Plex = "v-01", State = PlexStates.Stale }, ErrorIds.LastPlex);

        Assert.Equal("'active' is not a plex state; a plex is Active, Stale, Detached.", unknown.Message);
        Assert.Contains("last Active plex of volume 'v'; it cannot be marked Stale", last.Message);
    }

    [Fact]
    public void A_mirror_on_a_disk_the_volume_uses_is_DiskInUse_and_on_a_disk_outside_the_group_DiskNotFound()
    {
        var inUse = Refused(new AddMirror { DiskGroup = "dg", Volume = "v", Disks = ["d1"] }, ErrorIds.DiskInUse);
        var missing = Refused(new AddMirror { DiskGroup = "dg", Volume = "v", Disks = ["d9"] }, ErrorIds.DiskNotFound);

        Assert.Contains("Disk 'd1' already holds plex 'v-01' of volume 'v'", inUse.Message);
        Assert.Equal("Disk group 'dg' has no disk named 'd9'.", missing.Message);
    }

    [Fact]
    public void A_mirror_when_every_disk_holds_a_plex_is_InsufficientDisks()
    {
        var view = View();
        var v = view.FindDiskGroup("dg")!.FindVolume("v")!;
        v.Plexes.Add(PlexOf("v-02", PlexStates.Active, Sd("d2-01", "d2", 0, 10 * MiB)));
        v.Plexes.Add(PlexOf("v-03", PlexStates.Active, Sd("d3-01", "d3", 0, 10 * MiB)));

        Refused(new AddMirror { DiskGroup = "dg", Volume = "v" }, ErrorIds.InsufficientDisks, view);
    }

    [Fact]
    public void Removing_a_disk_that_holds_subdisks_is_DiskHasSubdisks_naming_the_volumes_and_subdisks()
    {
        var failure = Refused(new RemoveDisk { DiskGroup = "dg", Disks = ["d1"] }, ErrorIds.DiskHasSubdisks);

        Assert.Equal("Disk 'd1' holds subdisks of volume 'v' (d1-01); remove those volumes, or their plexes on it, first.", failure.Message);
    }

    [Fact]
    public void Removing_every_disk_of_the_group_is_LastDisk()
    {
        var view = View();
        view.FindDiskGroup("dg")!.Volumes.Clear();

        var failure = Refused(new RemoveDisk { DiskGroup = "dg", Disks = ["d1", "d2", "d3"] }, ErrorIds.LastDisk, view);

        Assert.Equal("Removing d1, d2, d3 would leave disk group 'dg' without a disk; remove the disk group instead (Remove-VmDiskGroup).", failure.Message);
    }

    [Fact]
    public void Removing_a_disk_the_group_does_not_have_is_DiskNotFound()
    {
        Assert.Equal("Disk group 'dg' has no disk named 'd9'.", Refused(new RemoveDisk { DiskGroup = "dg", Disks = ["d9"] }, ErrorIds.DiskNotFound).Message);
    }

    [Fact]
    public void Adding_an_unknown_disk_is_DiskNotFound_and_one_in_a_group_DiskInUse()
    {
        var unknown = Refused(new AddDisk { DiskGroup = "dg", Disks = [new DiskRef { Name = "d77" }] }, ErrorIds.DiskNotFound);
        var elsewhere = Refused(new AddDisk { DiskGroup = "dg", Disks = [new DiskRef { Name = "dx" }] }, ErrorIds.DiskInUse);
        var here = Refused(new AddDisk { DiskGroup = "dg", Disks = [new DiskRef { Name = "d2" }] }, ErrorIds.DiskInUse);

        Assert.Equal("No disk named 'd77' is known to the cluster.", unknown.Message);
        Assert.Equal("Disk 'dx' already belongs to disk group 'dgX'.", elsewhere.Message);
        Assert.Equal("Disk 'd2' is already in disk group 'dg'.", here.Message);
    }

    [Fact]
    public void Resolving_fills_in_the_added_disks_identity_and_size_from_the_view()
    {
        var op = new AddDisk { DiskGroup = "dg", Disks = [new DiskRef { Name = "d9" }] };

        Check(op);

        Assert.Equal((FreeDisk.Id, FreeDisk.SizeBytes), (op.Disks[0].Id, op.Disks[0].SizeBytes));
    }

    [Fact]
    public void An_operation_that_fits_but_was_not_resolved_is_InvalidLayout_locally()
    {
        var failure = OnlyFailure(LocalChecks.Run(View(), new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = MiB }));

        Assert.Equal(ErrorIds.InvalidLayout, failure.Name);
        Assert.Contains("carries no subdisk layout", failure.Message);
    }

    [Fact]
    public void A_hand_made_layout_that_overlaps_a_volume_is_InvalidLayout()
    {
        var op = new CreateVolume
        {
            DiskGroup = "dg", Volume = "w", SizeBytes = 4 * MiB,
            Plexes = [PlexOf("w-01", PlexStates.Active, Sd("d1-05", "d1", 8, 4 * MiB))],
        };

        var failure = OnlyFailure(LocalChecks.Run(View(), op));

        Assert.Equal(ErrorIds.InvalidLayout, failure.Name);
        Assert.Equal("The planned layout is not valid: subdisk 'd1-05' (disk 'd1' bytes 8388608..12582912) overlaps subdisk 'd1-01' (disk 'd1' bytes 0..10485760).", failure.Message);
    }

    [Fact]
    public void Operations_of_one_proposal_are_laid_out_one_after_another()
    {
        var view = View();
        var first = new CreateVolume { DiskGroup = "dg", Volume = "a", SizeBytes = 50 * MiB };
        var second = new CreateVolume { DiskGroup = "dg", Volume = "b", SizeBytes = 50 * MiB };

        LayoutResolver.Resolve(view, [first, second]);

        Assert.Equal([("d1", 10L, 50 * MiB)], Layout(first.Plexes[0]));
        Assert.Equal([("d1", 60L, 4 * MiB), ("d2", 0L, 46 * MiB)], Layout(second.Plexes[0]));
    }

    [Fact]
    public void Resolving_twice_keeps_the_first_layout()
    {
        var view = View();
        var op = new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = 5 * MiB };
        LayoutResolver.Resolve(view, [op]);
        var first = Json(op);

        view.FindDiskGroup("dg")!.Volumes.Clear();
        LayoutResolver.Resolve(view, [op]);

        Assert.Equal(first, Json(op));
    }
}
