using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Failures;

/// <summary>Where a detached plex goes when its disk failed, and back once the disk is replaced.</summary>
public sealed class RelocationTests
{
    /// <summary>dg: d1..d4 of 64 MiB; volume m (10 MiB, plexes on d1 and d2); d4 a hot spare; m-01's disk d1 failed and the plex is detached.</summary>
    private static DiskGroup Failed(bool spare = true)
    {
        var group = Group(64, 64, 64, 64);
        if (spare) group.FindDisk("d4")!.Spare = true;
        AddVolume(group, "m", 10 * MiB, mirrors: 2);
        Apply(group, new DetachPlex { DiskGroup = "dg", Volume = "m", Plex = "m-01", Disk = "d1", Node = "n2", Reason = "write failed: EIO" });
        return group;
    }

    private static void Apply(DiskGroup group, Operation op)
    {
        List<DiskGroup> groups = [group];
        op.ApplyTo(groups, group.Generation + 1);
    }

    [Fact]
    public void A_detach_marks_the_plex_Detached_with_where_and_why_and_the_disk_Failing()
    {
        var group = Failed();
        var plex = group.FindVolume("m")!.FindPlex("m-01")!;
        Assert.Equal(PlexStates.Detached, plex.State);
        Assert.Equal(new PlexDetach("n2", "d1", "write failed: EIO"), plex.Detach);
        Assert.Equal(DiskStates.Failing, group.FindDisk("d1")!.State);
        Assert.Equal(2, group.Generation);
        Assert.Equal(["d2"], group.FindVolume("m")!.AttachedDiskNames);
    }

    [Fact]
    public void A_disk_that_would_not_open_is_marked_Failed()
    {
        var group = Group(64, 64);
        AddVolume(group, "m", 10 * MiB, mirrors: 2);
        Apply(group, new DetachPlex { DiskGroup = "dg", Volume = "m", Plex = "m-02", Disk = "d2", Node = "n1", Reason = "open failed", DiskUnopenable = true });
        Assert.Equal(DiskStates.Failed, group.FindDisk("d2")!.State);
    }

    [Fact]
    public void The_spare_takes_the_failed_subdisks_first_and_each_remembers_where_it_came_from()
    {
        var group = Failed();
        var (volume, plex) = Assert.Single(Relocation.Wanted(group));
        var (move, problem) = Relocation.Plan(group, volume, plex);
        Assert.True(move is not null, problem);
        var moved = Assert.Single(move.Subdisks);
        Assert.Equal("d4", moved.Disk);
        Assert.Equal("d1", moved.RelocatedFrom);
        Assert.Equal(10 * MiB, moved.Length);

        Apply(group, move);
        var after = group.FindVolume("m")!.FindPlex("m-01")!;
        Assert.Equal(PlexStates.Stale, after.State);
        Assert.Null(after.Detach);
        Assert.Empty(Relocation.Wanted(group));
        Assert.Null(LayoutRules.Problem(group, group.FindVolume("m")!));
    }

    [Fact]
    public void Without_a_spare_free_space_is_used_but_never_a_disk_with_another_plex_of_the_volume()
    {
        var group = Failed(spare: false);
        var (volume, plex) = Relocation.Wanted(group).Single();
        var (move, _) = Relocation.Plan(group, volume, plex);
        Assert.NotNull(move);
        Assert.All(move.Subdisks, s => Assert.Contains(s.Disk, new[] { "d3", "d4" }));
        Assert.DoesNotContain(move.Subdisks, s => s.Disk == "d2");
    }

    [Fact]
    public void No_room_anywhere_leaves_the_plex_detached_and_says_why()
    {
        var group = Group(64, 64);
        AddVolume(group, "m", 10 * MiB, mirrors: 2);
        Apply(group, new DetachPlex { DiskGroup = "dg", Volume = "m", Plex = "m-01", Disk = "d1", Node = "n2", Reason = "EIO" });
        var (volume, plex) = Relocation.Wanted(group).Single();
        var (move, problem) = Relocation.Plan(group, volume, plex);
        Assert.Null(move);
        Assert.Contains("cannot be relocated off disk 'd1'", problem);
        Assert.Contains("no other plex of the volume uses", problem);
    }

    [Fact]
    public void New_volumes_keep_off_hot_spares_and_failing_disks()
    {
        var group = Failed();
        var placement = Allocator.PlaceVolume(group, "w", 4 * MiB, 1);
        Assert.True(placement.Succeeded, placement.Message);
        Assert.DoesNotContain(placement.Plexes[0].DiskNames, d => d is "d1" or "d4");
        var mirror = Allocator.PlaceMirror(group, group.FindVolume("m")!, ["d4"]);
        Assert.True(mirror.Succeeded, "a spare named explicitly may take a mirror: " + mirror.Message);
    }

    [Fact]
    public void Undo_moves_the_relocated_subdisks_back_and_heals_the_disk()
    {
        var group = Failed();
        var (volume, plex) = Relocation.Wanted(group).Single();
        Apply(group, Relocation.Plan(group, volume, plex).Move!);
        var relocated = group.FindVolume("m")!.FindPlex("m-01")!;

        var (back, errorId, problem) = Relocation.PlanUndo(group, group.FindVolume("m")!, relocated);
        Assert.True(back is not null, $"{errorId}: {problem}");
        Assert.Equal(["d1"], back.Healed);
        Apply(group, back);
        var home = group.FindVolume("m")!.FindPlex("m-01")!;
        Assert.Equal(["d1"], home.DiskNames);
        Assert.All(home.Subdisks, s => Assert.Null(s.RelocatedFrom));
        Assert.Equal(DiskStates.Healthy, group.FindDisk("d1")!.State);
        Assert.Null(LayoutRules.Problem(group, group.FindVolume("m")!));
    }

    [Fact]
    public void Undo_of_a_plex_that_was_never_relocated_is_refused()
    {
        var group = Group(64, 64);
        var volume = AddVolume(group, "m", 10 * MiB, mirrors: 2);
        var (move, errorId, problem) = Relocation.PlanUndo(group, volume, volume.Plexes[0]);
        Assert.Null(move);
        Assert.Equal(ErrorIds.PlexNotFound, errorId);
        Assert.Contains("nothing to move back", problem);
    }
}
