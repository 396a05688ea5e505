using VolumeManager.Engine.Model;
using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Engine.Tests.Engine;

/// <summary>The dirty region log's rules and its slot in the private region, without I/O.</summary>
public sealed class DirtyRegionsTests
{
    private static readonly Guid Group = Guid.Parse("11111111-2222-3333-4444-555555555555");

    [Theory]
    [InlineData(8L << 20, 512 * 1024)]
    [InlineData(512L << 20, 512 * 1024)]
    [InlineData(2L << 30, 512 * 1024)]
    [InlineData((2L << 30) + 1, 1024 * 1024)]
    [InlineData(100L << 30, 32 * 1024 * 1024)]
    public void A_region_is_at_least_512_KiB_and_a_volume_has_at_most_4096(long size, int region)
    {
        Assert.Equal(region, DirtyRegions.RegionBytes(size));
        Assert.True(DirtyRegions.RegionCount(size, region) <= DirtyRegions.MaxRegions);
    }

    [Fact]
    public void A_mirror_with_a_log_logs_writes_and_one_without_is_copied_whole_when_a_node_dies()
    {
        var volume = Fixtures.MirroredGroup("dg", shared: true).Volumes[0];
        volume.Plexes[1].State = PlexStates.Active;
        Assert.False(DirtyRegions.Logs(volume));
        Assert.True(DirtyRegions.NeedsFullRecovery(volume));
        volume.Log = VolumeLogs.Drl;
        Assert.True(DirtyRegions.Logs(volume));
        Assert.False(DirtyRegions.NeedsFullRecovery(volume));
        Assert.Equal("dg-d1", DirtyRegions.LogDisk(volume));
        volume.Plexes.RemoveAt(1);
        Assert.False(DirtyRegions.Logs(volume));
        Assert.Equal(VolumeLogs.Drl, VolumeLogs.Default(2));
        Assert.Equal(VolumeLogs.None, VolumeLogs.Default(1));
    }

    [Fact]
    public void A_write_marks_every_region_it_touches()
    {
        const int r = 512 * 1024;
        Assert.Equal((0L, 0L), DirtyRegions.RegionsOf(0, 4096, r));
        Assert.Equal((0L, 1L), DirtyRegions.RegionsOf(r - 1, 2, r));
        Assert.Equal((2L, 2L), DirtyRegions.RegionsOf(2L * r, 0, r));
    }

    [Fact]
    public void A_recovery_copies_runs_of_dirty_regions_cut_at_the_chunk_and_the_volume_end()
    {
        const int r = 512 * 1024;
        var size = 10L * r + 4096;
        var entry = new DirtyEntry(Group, "v", DirtyRegions.RegionBytes(size), [10, 1, 2, 3, 7]);
        Assert.Equal([(1L * r, 2 * r), (3L * r, r), (7L * r, r), (10L * r, 4096)], DirtyRegions.Ranges(entry, size, 2 * r));
        var whole = DirtyRegions.Ranges(entry with { Whole = true }, size, 4 * r);
        Assert.Equal(size, whole.Sum(x => (long)x.Length));
        Assert.Equal(size, DirtyRegions.Ranges(entry with { RegionBytes = 2 * r }, size, 4 * r).Sum(x => (long)x.Length));   // resized since: whole
    }

    [Fact]
    public void The_coordinator_recovers_a_node_that_is_not_joined_and_a_node_its_own_previous_run()
    {
        Guid run1 = Guid.NewGuid(), run2 = Guid.NewGuid();
        Assert.True(DirtyRegions.Recovers("n1", "n2", coordinates: true, writerJoined: false, run1, run2));
        Assert.False(DirtyRegions.Recovers("n1", "n2", coordinates: true, writerJoined: true, run1, run2));
        Assert.False(DirtyRegions.Recovers("n1", "n2", coordinates: false, writerJoined: false, run1, run2));
        Assert.True(DirtyRegions.Recovers("n2", "n2", coordinates: false, writerJoined: true, run1, run2));
        Assert.False(DirtyRegions.Recovers("n2", "n2", coordinates: true, writerJoined: true, run2, run2));
    }

    [Fact]
    public void The_source_is_the_first_active_plex_and_every_other_plex_is_written()
    {
        var volume = Fixtures.MirroredGroup("dg", shared: true).Volumes[0];
        var source = DirtyRegions.Source(volume)!;
        Assert.Equal("vol1-01", source.Name);
        Assert.Equal(["vol1-02"], DirtyRegions.Targets(volume, source).Select(p => p.Name));
        volume.Plexes[0].State = PlexStates.Stale;
        Assert.Null(DirtyRegions.Source(volume));
    }

    [Fact]
    public void A_slot_keeps_each_volume_bitmap_and_a_damaged_one_reads_as_none()
    {
        var log = new DirtyRegionLogContent("n2", Guid.NewGuid(),
            [new DirtyEntry(Group, "v1", 512 * 1024, [0, 5, 1023]), new DirtyEntry(Group, "v2", 1 << 20, [], Whole: true)]);
        var slot = DirtyRegionSlot.Encode(log, e => 1024);
        var back = DirtyRegionSlot.Decode(slot)!;
        Assert.Equal(("n2", log.Incarnation, false), (back.Node, back.Incarnation, back.Overflow));
        Assert.Equal([0L, 5, 1023], back.Entries[0].Regions);
        Assert.True(back.Entries[1].Whole);
        slot[30] ^= 0xff;
        Assert.Null(DirtyRegionSlot.Decode(slot));
        Assert.Null(DirtyRegionSlot.Decode(new byte[DirtyRegionSlot.Size]));
    }

    [Fact]
    public void Bitmaps_that_do_not_fit_are_written_whole_and_entries_that_do_not_fit_overflow_the_slot()
    {
        var big = new DirtyEntry(Group, "big", 512 * 1024, [1, 60000]);
        var back = DirtyRegionSlot.Decode(DirtyRegionSlot.Encode(new("n1", Guid.NewGuid(), [big]), _ => 70000))!;
        Assert.True(back.Entries.Single().Whole);

        var many = Enumerable.Range(0, 400).Select(i => new DirtyEntry(Group, $"volume-{i:D4}", 512 * 1024, [1])).ToList();
        var overflowed = DirtyRegionSlot.Decode(DirtyRegionSlot.Encode(new("n1", Guid.NewGuid(), many), _ => 64))!;
        Assert.True(overflowed.Overflow);
        Assert.Empty(overflowed.Entries);
    }

    [Fact]
    public void The_slots_lie_between_the_resync_checkpoints_and_the_public_region()
    {
        Assert.Equal(ResyncCheckpoint.Offset + ResyncCheckpoint.Size, DirtyRegionSlot.OffsetOf(0));
        Assert.True(DirtyRegionSlot.OffsetOf(DirtyRegionSlot.Slots - 1) + DirtyRegionSlot.Size <= PrivateRegion.Size);
        Assert.Throws<ArgumentOutOfRangeException>(() => DirtyRegionSlot.OffsetOf(DirtyRegionSlot.Slots));
    }
}
