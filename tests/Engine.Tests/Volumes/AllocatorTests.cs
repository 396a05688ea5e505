using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Volumes;

public sealed class AllocatorTests
{
    [Fact]
    public void A_volume_that_fits_on_the_first_disk_is_one_subdisk_at_its_start()
    {
        var placement = Allocator.PlaceVolume(Group(100, 100), "vol1", 10 * MiB, 1);

        Assert.True(placement.Succeeded, placement.Message);
        var plex = Assert.Single(placement.Plexes);
        Assert.Equal(("vol1-01", PlexStates.Active), (plex.Name, plex.State));
        var subdisk = Assert.Single(plex.Subdisks);
        Assert.Equal(("d1-01", "d1", 0L, 10 * MiB), (subdisk.Name, subdisk.Disk, subdisk.Offset, subdisk.Length));
    }

    [Fact]
    public void A_volume_larger_than_a_disk_concatenates_extents_across_disks_in_name_order()
    {
        var placement = Allocator.PlaceVolume(Group(64, 64, 64), "big", 150 * MiB, 1);

        var plex = Assert.Single(placement.Plexes);
        Assert.Equal([("d1", 0L, 64 * MiB), ("d2", 0L, 64 * MiB), ("d3", 0L, 22 * MiB)], Layout(plex));
        Assert.Equal(["d1-01", "d2-01", "d3-01"], plex.Subdisks.Select(s => s.Name));
        Assert.Equal(150 * MiB, plex.SizeBytes);
    }

    [Fact]
    public void Disks_are_taken_in_ordinal_name_order_whatever_order_the_group_lists_them()
    {
        var group = Group();
        group.Disks = [Disk("b", 8), Disk("a", 8), Disk("C", 8)];

        var plex = Assert.Single(Allocator.PlaceVolume(group, "v", 20 * MiB, 1).Plexes);

        Assert.Equal(["C", "a", "b"], plex.Subdisks.Select(s => s.Disk));
    }

    [Fact]
    public void First_fit_fills_the_holes_other_volumes_left_before_the_free_end_of_the_disk()
    {
        var group = Group(100);
        group.Volumes.Add(Vol("a", 20 * MiB, PlexOf("a-01", PlexStates.Active, Sd("d1-01", "d1", 0, 10 * MiB), Sd("d1-02", "d1", 20, 10 * MiB))));

        var plex = Assert.Single(Allocator.PlaceVolume(group, "b", 15 * MiB, 1).Plexes);

        Assert.Equal([("d1", 10L, 10 * MiB), ("d1", 30L, 5 * MiB)], Layout(plex));
        Assert.Equal(["d1-03", "d1-04"], plex.Subdisks.Select(s => s.Name));
    }

    [Fact]
    public void Each_mirror_is_on_disks_no_other_mirror_uses()
    {
        var group = Group(64, 64, 64, 64);

        var placement = Allocator.PlaceVolume(group, "m", 100 * MiB, 2);

        Assert.True(placement.Succeeded, placement.Message);
        Assert.Equal(["m-01", "m-02"], placement.Plexes.Select(p => p.Name));
        Assert.Equal(["d1", "d2"], placement.Plexes[0].DiskNames);
        Assert.Equal(["d3", "d4"], placement.Plexes[1].DiskNames);
        Assert.All(placement.Plexes, p => Assert.Equal(100 * MiB, p.SizeBytes));
        Assert.All(placement.Plexes, p => Assert.Equal(PlexStates.Active, p.State));
    }

    [Fact]
    public void When_taking_disks_in_order_leaves_a_mirror_short_the_disks_are_dealt_out_by_free_space()
    {
        // In name order the first plex would take d1 (60) and d2 (40 of 60), leaving 80 MiB on d3 and d4.
        var group = Group(60, 60, 40, 40);

        var placement = Allocator.PlaceVolume(group, "m", 100 * MiB, 2);

        Assert.True(placement.Succeeded, placement.Message);
        Assert.Equal(["d1", "d3"], placement.Plexes[0].DiskNames);
        Assert.Equal(["d2", "d4"], placement.Plexes[1].DiskNames);
        Assert.All(placement.Plexes, p => Assert.Equal(100 * MiB, p.SizeBytes));
    }

    [Fact]
    public void More_mirrors_than_disks_is_InsufficientDisks_saying_how_many_disks_there_are()
    {
        var placement = Allocator.PlaceVolume(Group(64, 64), "m", MiB, 3);

        Assert.False(placement.Succeeded);
        Assert.Equal(ErrorIds.InsufficientDisks, placement.ErrorId);
        Assert.Contains("3 mirrors needs 3 distinct disks", placement.Message);
        Assert.Contains("has only 2 disks (d1, d2)", placement.Message);
    }

    [Fact]
    public void Mirrors_that_fit_in_total_but_not_on_enough_separate_disks_are_InsufficientSpace_naming_each_disks_free_space()
    {
        var group = Group(100, 10);

        var placement = Allocator.PlaceVolume(group, "m", 50 * MiB, 2);

        Assert.Equal(ErrorIds.InsufficientSpace, placement.ErrorId);
        Assert.Contains("2 mirrors of 50 MiB (52428800 bytes) each", placement.Message);
        Assert.Contains("110 MiB (115343360 bytes) free in total", placement.Message);
        Assert.Contains("d1 100 MiB, d2 10 MiB", placement.Message);
    }

    [Fact]
    public void Asking_for_more_than_is_free_is_InsufficientSpace_saying_what_is_free_and_what_was_asked()
    {
        var group = Group(64, 64);
        AddVolume(group, "used", 100 * MiB);

        var placement = Allocator.PlaceVolume(group, "more", 50 * MiB, 1);

        Assert.False(placement.Succeeded);
        Assert.Equal(ErrorIds.InsufficientSpace, placement.ErrorId);
        Assert.Equal("Volume 'more' needs 50 MiB (52428800 bytes), but disk group 'dg' has 28 MiB (29360128 bytes) free (d1 0 bytes, d2 28 MiB).", placement.Message);
        Assert.Empty(placement.Plexes);
    }

    [Fact]
    public void A_size_near_the_largest_long_is_refused_as_InsufficientSpace_not_an_overflow()
    {
        var huge = long.MaxValue / 512 * 512;

        var placement = Allocator.PlaceVolume(Group(64), "huge", huge, 2);

        Assert.Equal(ErrorIds.InsufficientDisks, placement.ErrorId);
        Assert.Equal(ErrorIds.InsufficientSpace, Allocator.PlaceVolume(Group(64, 64), "huge", huge, 2).ErrorId);
        Assert.Equal(ErrorIds.InsufficientSpace, Allocator.PlaceVolume(Group(64), "huge", huge, 1).ErrorId);
    }

    [Theory]
    [InlineData(0L, "must be greater than zero")]
    [InlineData(-512L, "cannot be negative (-512 bytes)")]
    [InlineData(1000L, "1000 bytes, is not a whole number of 512-byte sectors; use 512 bytes or 1 KiB (1024 bytes)")]
    [InlineData(1048676L, "1 MiB (1048676 bytes), is not a whole number of 512-byte sectors; use 1048576 or 1049088 bytes.")]
    public void A_size_that_is_zero_negative_or_not_whole_sectors_is_InvalidSize(long size, string reason)
    {
        var placement = Allocator.PlaceVolume(Group(64), "v", size, 1);

        Assert.Equal(ErrorIds.InvalidSize, placement.ErrorId);
        Assert.Contains("volume 'v'", placement.Message);
        Assert.Contains(reason, placement.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(33)]
    public void A_mirror_count_outside_1_to_32_is_InvalidMirrorCount(int mirrors)
    {
        var placement = Allocator.PlaceVolume(Group(64), "v", MiB, mirrors);

        Assert.Equal(ErrorIds.InvalidMirrorCount, placement.ErrorId);
        Assert.Contains($"between 1 and 32 mirrors (plexes); {mirrors} was asked for", placement.Message);
    }

    [Fact]
    public void Subdisks_start_on_MiB_boundaries_and_a_partial_MiB_keeps_the_rest_of_its_MiB()
    {
        var group = Group(64);
        var first = AddVolume(group, "a", MiB + 512);

        var second = Assert.Single(Allocator.PlaceVolume(group, "b", 3 * 512, 1).Plexes);

        Assert.Equal([("d1", 0L, MiB + 512)], Layout(first.Plexes[0]));
        Assert.Equal([("d1", 2L, 1536L)], Layout(second));
        Assert.Equal(62 * MiB, group.FreeBytes);
    }

    [Fact]
    public void Only_whole_MiB_of_a_disk_are_usable()
    {
        var group = Group(0);
        group.Disks[0].SizeBytes = 10 * MiB + 4096;

        Assert.Equal(10 * MiB, group.FreeBytes);
        Assert.Equal([new Extent("d1", 0, 10 * MiB)], FreeSpace.Of(group).Extents);
        Assert.Equal(ErrorIds.InsufficientSpace, Allocator.PlaceVolume(group, "v", 10 * MiB + 512, 1).ErrorId);
    }

    [Fact]
    public void Free_extents_are_the_gaps_between_subdisks_rounded_out_to_MiB()
    {
        var group = Group(32, 16);
        group.Volumes.Add(Vol("a", 3 * MiB, PlexOf("a-01", PlexStates.Active, Sd("d1-01", "d1", 4, 2 * MiB + 1), Sd("d1-02", "d1", 10, MiB - 1))));

        var space = FreeSpace.Of(group);

        Assert.Equal(
            [new Extent("d1", 0, 4 * MiB), new Extent("d1", 7 * MiB, 3 * MiB), new Extent("d1", 11 * MiB, 21 * MiB), new Extent("d2", 0, 16 * MiB)],
            space.Extents);
        Assert.Equal(44 * MiB, space.TotalBytes);
        Assert.Equal("d1 28 MiB, d2 16 MiB", space.PerDisk());
    }

    [Fact]
    public void Removing_a_volume_gives_its_space_back()
    {
        var group = Group(64, 64);
        AddVolume(group, "keep", 10 * MiB);
        AddVolume(group, "gone", 80 * MiB, 1);
        Assert.Equal(38 * MiB, group.FreeBytes);

        new Operations.RemoveVolume { DiskGroup = "dg", Volume = "gone" }.ApplyTo([group], 2);

        Assert.Equal(118 * MiB, group.FreeBytes);
        var again = Assert.Single(Allocator.PlaceVolume(group, "again", 80 * MiB, 1).Plexes);
        Assert.Equal([("d1", 10L, 54 * MiB), ("d2", 0L, 26 * MiB)], Layout(again));
    }

    [Fact]
    public void Shrinking_trims_every_plex_from_its_end_and_frees_the_space()
    {
        var group = Group(64, 64, 64, 64);
        var volume = AddVolume(group, "m", 100 * MiB, 2);

        var placement = Allocator.PlaceResize(group, volume, 50 * MiB);

        Assert.True(placement.Succeeded, placement.Message);
        Assert.Equal([("d1", 0L, 50 * MiB)], Layout(placement.Plexes[0]));
        Assert.Equal([("d3", 0L, 50 * MiB)], Layout(placement.Plexes[1]));
        volume = Resize(group, volume, placement);
        Assert.Equal(256 * MiB - 100 * MiB, group.FreeBytes);
        AssertNoOverlap(group);
    }

    [Fact]
    public void Shrinking_into_the_middle_of_a_later_subdisk_keeps_the_earlier_ones_whole()
    {
        var group = Group(64, 64);
        var volume = AddVolume(group, "v", 100 * MiB);

        var plex = Allocator.PlaceResize(group, volume, 70 * MiB + 512).Plexes.Single();

        Assert.Equal([("d1", 0L, 64 * MiB), ("d2", 0L, 6 * MiB + 512)], Layout(plex));
        Assert.Equal(["d1-01", "d2-01"], plex.Subdisks.Select(s => s.Name));
    }

    [Fact]
    public void Growing_extends_the_last_subdisk_in_place_when_the_space_after_it_is_free()
    {
        var group = Group(64, 64);
        var volume = AddVolume(group, "v", 10 * MiB + 512);

        var plex = Allocator.PlaceResize(group, volume, 30 * MiB).Plexes.Single();

        Assert.Equal([("d1", 0L, 30 * MiB)], Layout(plex));
        Assert.Equal("d1-01", plex.Subdisks[0].Name);
    }

    [Fact]
    public void Growing_continues_on_the_plexs_own_disks_then_on_disks_no_other_plex_uses()
    {
        var group = Group(64, 64, 64, 64, 64, 64);
        var volume = AddVolume(group, "m", 100 * MiB, 2);   // m-01 on d1, d2; m-02 on d3, d4
        AddVolume(group, "after", 20 * MiB);                  // d2 [36, 56) MiB: m-01 cannot grow in place

        var placement = Allocator.PlaceResize(group, volume, 150 * MiB);

        Assert.True(placement.Succeeded, placement.Message);
        Assert.Equal([("d1", 0L, 64 * MiB), ("d2", 0L, 36 * MiB), ("d2", 56L, 8 * MiB), ("d5", 0L, 42 * MiB)], Layout(placement.Plexes[0]));
        Assert.Equal([("d3", 0L, 64 * MiB), ("d4", 0L, 64 * MiB), ("d6", 0L, 22 * MiB)], Layout(placement.Plexes[1]));
        volume = Resize(group, volume, placement);
        Assert.Empty(volume.Plexes[0].DiskNames.Intersect(volume.Plexes[1].DiskNames));
        Assert.Null(LayoutRules.Problem(group, volume));
        AssertNoOverlap(group);
    }

    [Fact]
    public void Growing_beyond_the_free_space_is_InsufficientSpace_saying_how_much_is_free()
    {
        var group = Group(64, 64);
        var volume = AddVolume(group, "m", 60 * MiB, 2);

        var placement = Allocator.PlaceResize(group, volume, 70 * MiB);

        Assert.Equal(ErrorIds.InsufficientSpace, placement.ErrorId);
        Assert.Contains("Growing volume 'm' from 60 MiB (62914560 bytes) to 70 MiB (73400320 bytes) needs 10 MiB (10485760 bytes) more on each of its 2 plexes", placement.Message);
        Assert.Contains("plex 'm-01' can grow by only 4 MiB (4194304 bytes)", placement.Message);
        Assert.Contains("Disk group 'dg' has 8 MiB (8388608 bytes) free.", placement.Message);
    }

    [Theory]
    [InlineData(0L, "must be greater than zero")]
    [InlineData(-1024L, "cannot be negative")]
    [InlineData(10L * 1024 * 1024 + 100, "not a whole number of 512-byte sectors")]
    [InlineData(10L * 1024 * 1024, "is already 10 MiB (10485760 bytes)")]
    public void Resizing_to_zero_negative_a_partial_sector_or_the_same_size_is_InvalidSize(long size, string reason)
    {
        var group = Group(64);
        var volume = AddVolume(group, "v", 10 * MiB);

        var placement = Allocator.PlaceResize(group, volume, size);

        Assert.Equal(ErrorIds.InvalidSize, placement.ErrorId);
        Assert.Contains(reason, placement.Message);
    }

    [Fact]
    public void A_new_mirror_is_Stale_on_a_disk_no_other_plex_of_the_volume_uses()
    {
        var group = Group(64, 64, 64);
        var volume = AddVolume(group, "v", 40 * MiB, 1);
        AddVolume(group, "other", 10 * MiB);   // d1 [40, 50) MiB

        var placement = Allocator.PlaceMirror(group, volume);

        var plex = Assert.Single(placement.Plexes);
        Assert.Equal(("v-02", PlexStates.Stale), (plex.Name, plex.State));
        Assert.Equal([("d2", 0L, 40 * MiB)], Layout(plex));
    }

    [Fact]
    public void A_new_mirror_takes_the_lowest_plex_number_free()
    {
        var group = Group(64, 64, 64);
        var volume = AddVolume(group, "v", 10 * MiB, 2);
        volume.Plexes.RemoveAt(0);

        Assert.Equal("v-01", Allocator.PlaceMirror(group, volume).Plexes.Single().Name);
    }

    [Fact]
    public void A_new_mirror_stays_on_the_disks_asked_for()
    {
        var group = Group(64, 64, 64);
        var volume = AddVolume(group, "v", 10 * MiB);

        var plex = Allocator.PlaceMirror(group, volume, ["d3"]).Plexes.Single();

        Assert.Equal(["d3"], plex.DiskNames);
    }

    [Fact]
    public void A_new_mirror_on_a_disk_another_plex_uses_is_DiskInUse()
    {
        var group = Group(64, 64);
        var volume = AddVolume(group, "v", 10 * MiB);

        var placement = Allocator.PlaceMirror(group, volume, ["d1"]);

        Assert.Equal(ErrorIds.DiskInUse, placement.ErrorId);
        Assert.Contains("Disk 'd1' already holds plex 'v-01' of volume 'v'", placement.Message);
        Assert.Equal(ErrorIds.DiskNotFound, Allocator.PlaceMirror(group, volume, ["d9"]).ErrorId);
    }

    [Fact]
    public void A_new_mirror_when_every_disk_holds_a_plex_is_InsufficientDisks()
    {
        var group = Group(64, 64);
        var volume = AddVolume(group, "v", 10 * MiB, 2);

        var placement = Allocator.PlaceMirror(group, volume);

        Assert.Equal(ErrorIds.InsufficientDisks, placement.ErrorId);
        Assert.Contains("Every disk of disk group 'dg' (d1, d2) already holds a plex of volume 'v'", placement.Message);
    }

    [Fact]
    public void A_new_mirror_without_room_on_the_other_disks_is_InsufficientSpace()
    {
        var group = Group(64, 16);
        var volume = AddVolume(group, "v", 20 * MiB);

        var placement = Allocator.PlaceMirror(group, volume);

        Assert.Equal(ErrorIds.InsufficientSpace, placement.ErrorId);
        Assert.Contains("needs 20 MiB (20971520 bytes) on disks no other plex of the volume uses; those disks have 16 MiB (16777216 bytes) free (d2 16 MiB)", placement.Message);
    }

    [Fact]
    public void Subdisk_names_take_the_lowest_free_number_of_their_disk()
    {
        var group = Group(64);
        AddVolume(group, "a", MiB);
        AddVolume(group, "b", MiB);
        group.Volumes.RemoveAll(v => v.Name == "a");

        var c = AddVolume(group, "c", MiB);

        Assert.Equal("d1-01", c.Plexes[0].Subdisks.Single().Name);
        Assert.Equal("d1-02", group.FindVolume("b")!.Plexes[0].Subdisks.Single().Name);
    }

    [Fact]
    public void The_same_group_and_request_always_give_the_same_layout()
    {
        var group = Group(60, 60, 40, 40, 64);
        AddVolume(group, "x", 7 * MiB + 512);

        var a = Allocator.PlaceVolume(group.Clone(), "v", 90 * MiB, 2);
        var b = Allocator.PlaceVolume(group.Clone(), "v", 90 * MiB, 2);

        Assert.True(a.Succeeded, a.Message);
        Assert.Equal(Json(a.Plexes), Json(b.Plexes));
    }

    [Fact]
    public void Many_volumes_of_odd_sizes_never_overlap_and_free_space_adds_up()
    {
        var group = Group(64, 48, 32);
        var random = new Random(4);
        var used = 0L;
        for (var i = 0; ; i++)
        {
            var size = random.Next(1, 20_000) * 512L;
            var placement = Allocator.PlaceVolume(group, $"v{i}", size, 1 + i % 2);
            if (!placement.Succeeded) { Assert.Equal(ErrorIds.InsufficientSpace, placement.ErrorId); break; }
            group.Volumes.Add(new Volume { Name = $"v{i}", SizeBytes = size, Plexes = placement.Plexes });
            used += placement.Plexes.Sum(p => p.Subdisks.Sum(s => Sizes.AlignUp(s.Length)));
            Assert.Null(LayoutRules.Problem(group, group.Volumes[^1]));
        }
        AssertNoOverlap(group);
        Assert.Equal(group.Disks.Sum(d => d.SizeBytes) - used, group.FreeBytes);
    }

    /// <summary>The volume as the resize leaves it in the group (a change replaces the volume it edits).</summary>
    private static Volume Resize(DiskGroup group, Volume volume, Placement placement)
    {
        Assert.True(placement.Succeeded, placement.Message);
        new Operations.ResizeVolume { DiskGroup = group.Name, Volume = volume.Name, SizeBytes = placement.Plexes[0].SizeBytes, Plexes = placement.Plexes }
            .ApplyTo([group], group.Generation + 1);
        return group.FindVolume(volume.Name)!;
    }
}
