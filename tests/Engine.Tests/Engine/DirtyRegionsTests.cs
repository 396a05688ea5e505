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

    [Fact]
    public void A_region_is_cleared_only_when_no_write_is_in_flight_and_it_was_idle_a_while()
    {
        Assert.True(DirtyRegions.Clearable(inFlight: false, DirtyRegions.IdleBeforeClean));
        Assert.False(DirtyRegions.Clearable(inFlight: true, TimeSpan.FromHours(1)));
        Assert.False(DirtyRegions.Clearable(inFlight: false, DirtyRegions.IdleBeforeClean - TimeSpan.FromMilliseconds(1)));
    }

    private static DirtyRegionLogContent?[] Headers(params (int Slot, string Node, bool Dirty)[] written)
    {
        var headers = new DirtyRegionLogContent?[DirtyRegionSlot.Slots];
        foreach (var (slot, node, dirty) in written)
            headers[slot] = new DirtyRegionLogContent(node, Guid.NewGuid(), dirty ? [new DirtyEntry(Group, "v", 512 * 1024, [3])] : []);
        return headers;
    }

    [Fact]
    public void On_a_blank_disk_each_node_takes_its_place_in_the_definition()
    {
        string[] defined = ["n1", "n2", "n3"];
        Assert.Equal([0, 1, 2], defined.Select(n => DirtyRegions.SlotFor(n, defined, Headers())));
    }

    [Fact]
    public void Removing_a_node_for_good_moves_no_other_node_slot()
    {
        var disk = Headers((0, "n1", false), (1, "n2", true), (2, "n3", true));
        string[] after = ["n1", "n3"];   // Remove-VmNode n2 -Permanent: n3 is second in the definition now
        Assert.Equal(2, DirtyRegions.SlotFor("n3", after, disk));
        Assert.Equal(0, DirtyRegions.SlotFor("n1", after, disk));
        // A node added later never takes n2's slot while it holds regions to recover, nor n3's.
        Assert.Equal(3, DirtyRegions.SlotFor("n4", [.. after, "n4"], disk));
        // Once n2's regions are recovered its clean slot is free again.
        var recovered = Headers((0, "n1", false), (1, "n2", false), (2, "n3", false));
        Assert.Equal(1, DirtyRegions.SlotFor("n4", [.. after, "n4"], recovered));
    }

    [Fact]
    public void Nodes_without_a_slot_yet_are_placed_in_definition_order_so_every_node_reckons_the_same()
    {
        var disk = Headers((0, "n3", false), (1, "n4", false));   // n1 and n2 removed; n5 and n6 added, neither has written yet
        string[] defined = ["n3", "n4", "n5", "n6"];
        Assert.Equal(2, DirtyRegions.SlotFor("n5", defined, disk));
        Assert.Equal(3, DirtyRegions.SlotFor("n6", defined, disk));
        var full = Enumerable.Range(0, DirtyRegionSlot.Slots).Select(i => new DirtyRegionLogContent($"x{i}", Guid.Empty, [new DirtyEntry(Group, "v", 512 * 1024, [1])])).ToArray();
        Assert.Null(DirtyRegions.SlotFor("n1", ["n1"], full));
    }

    [Fact]
    public void A_mirror_without_a_log_is_copied_whole_for_a_node_that_went_down_once()
    {
        var group = Fixtures.MirroredGroup("dg", shared: true);
        group.Volumes[0].Plexes[1].State = PlexStates.Active;
        var watch = new WholeRecoveryWatch("n1");
        Assert.Equal(["n1"], watch.Next([group], []).Single().ForNodes);   // first look: this node's previous run
        Assert.Empty(watch.Next([group], []));
        Assert.Equal("n2", watch.Next([group], ["n2"]).Single().ForNode);
        Assert.Empty(watch.Next([group], ["n2"]));   // still down: copied once
        Assert.Empty(watch.Next([group], []));
        group.Volumes[0].Log = VolumeLogs.Drl;
        Assert.Empty(watch.Next([group], ["n3"]));   // a logged mirror copies its dirty regions instead
    }

    /// <summary>A node that crashed and joined again between two looks was never seen down: its new agent process tells (sweep seed 109929).</summary>
    [Fact]
    public void A_mirror_without_a_log_is_copied_whole_for_a_node_whose_agent_restarted_between_two_looks()
    {
        var group = Fixtures.MirroredGroup("dg", shared: true);
        group.Volumes[0].Plexes[1].State = PlexStates.Active;
        var watch = new WholeRecoveryWatch("n1");
        watch.Next([group], [], new Dictionary<string, int> { ["n1"] = 10, ["n2"] = 20 });
        Assert.Empty(watch.Next([group], [], new Dictionary<string, int> { ["n1"] = 10, ["n2"] = 20 }));
        Assert.Equal("n2", watch.Next([group], [], new Dictionary<string, int> { ["n1"] = 10, ["n2"] = 21 }).Single().ForNode);
        Assert.DoesNotContain(watch.Next([group], ["n2"], new Dictionary<string, int> { ["n1"] = 10, ["n2"] = 21 }), o => o.ForNode != "n2");
        Assert.Empty(watch.Next([group], [], new Dictionary<string, int> { ["n1"] = 10, ["n2"] = 22 }));   // back from down: copied when it went
    }

    /// <summary>
    /// A node removed for good (gone from the membership) since the last look may leave a failed write's repair unasked:
    /// its mirrors without a log are copied whole (default sweep seeds 154825, 162760), as for a node down.
    /// </summary>
    [Fact]
    public void A_mirror_without_a_log_is_copied_whole_for_a_node_that_left_the_membership()
    {
        var group = Fixtures.MirroredGroup("dg", shared: true);
        group.Volumes[0].Plexes[1].State = PlexStates.Active;
        var watch = new WholeRecoveryWatch("n1");
        watch.Next([group], [], new Dictionary<string, int> { ["n1"] = 10, ["n2"] = 20, ["n3"] = 30 });
        Assert.Empty(watch.Next([group], [], new Dictionary<string, int> { ["n1"] = 10, ["n2"] = 20, ["n3"] = 30 }));
        Assert.Equal("n3", watch.Next([group], [], new Dictionary<string, int> { ["n1"] = 10, ["n2"] = 20 }).Single().ForNode);   // removed for good
        Assert.Empty(watch.Next([group], [], new Dictionary<string, int> { ["n1"] = 10, ["n2"] = 20 }));
        Assert.Equal("n2", watch.Next([group], ["n2"], new Dictionary<string, int> { ["n1"] = 10, ["n2"] = 20 }).Single().ForNode);   // down
        Assert.Empty(watch.Next([group], [], new Dictionary<string, int> { ["n1"] = 10 }));   // gone for good after: copied when it left
    }

    [Fact]
    public void A_private_group_owner_that_restarts_copies_its_mirrors_without_a_log_whole()
    {
        var group = Fixtures.MirroredGroup("local1", shared: false, owner: "n1");
        group.Volumes[0].Plexes[1].State = PlexStates.Active;
        var owed = new WholeRecoveryWatch("n1").Next([group], []).Single();
        Assert.Equal(("vol1", "n1"), (owed.Volume.Name, owed.ForNode));
    }

    [Fact]
    public void A_node_that_becomes_coordinator_copies_for_every_node_down_and_its_own_previous_run()
    {
        var group = Fixtures.MirroredGroup("dg", shared: true);
        group.Volumes[0].Plexes[1].State = PlexStates.Active;
        var watch = new WholeRecoveryWatch("n2");
        Assert.Empty(watch.Next([], ["n1"]));   // not master yet: nothing to copy here
        Assert.Equal(["n1", "n2"], watch.Next([group], ["n1"]).Single().ForNodes);
    }
}
