using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;
using Xunit;

namespace VolumeManager.Engine.Tests.Engine;

public sealed class DirtyRegionBookTests
{
    private static readonly Guid Group = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private static readonly TimeSpan Idle = DirtyRegions.IdleBeforeClean;

    [Fact]
    public void A_write_dirties_only_the_regions_not_dirty_before()
    {
        var book = new DirtyRegionBook(Group, "v1", 1 << 19, 64);
        Assert.Equal([3L, 4], book.Begin(3, 4, TimeSpan.Zero));
        Assert.Equal([5L], book.Begin(4, 5, TimeSpan.Zero));
        Assert.Equal([3L, 4, 5], book.Dirty);
    }

    [Fact]
    public void A_region_is_idle_only_with_no_write_in_flight_and_none_for_a_while()
    {
        var book = new DirtyRegionBook(Group, "v1", 1 << 19, 64);
        book.Begin(1, 2, TimeSpan.Zero);
        Assert.Empty(book.Idle(Idle * 3));
        book.End(1, 1, TimeSpan.Zero);
        Assert.Empty(book.Idle(Idle / 2));
        Assert.Equal([1L], book.Idle(Idle));
    }

    [Fact]
    public void A_region_written_after_the_cleaner_picked_it_stays_dirty()
    {
        var book = new DirtyRegionBook(Group, "v1", 1 << 19, 64);
        book.Begin(1, 2, TimeSpan.Zero);
        book.End(1, 2, TimeSpan.Zero);
        var picked = book.Idle(Idle);
        book.Begin(2, 2, Idle + TimeSpan.FromMilliseconds(5));
        book.End(2, 2, Idle + TimeSpan.FromMilliseconds(5));
        Assert.Equal([1L], book.Clear(picked, Idle));
        Assert.Equal([2L], book.Dirty);
    }

    [Fact]
    public void The_slot_keeps_what_the_previous_run_left_merged_into_the_volume_entry()
    {
        var book = new DirtyRegionBook(Group, "v1", 1 << 19, 64);
        book.Begin(1, 1, TimeSpan.Zero);
        var sameSize = new DirtyEntry(Group, "v1", 1 << 19, [7]);
        var other = new DirtyEntry(Group, "v2", 1 << 19, [2]);
        var entries = DirtyRegionBook.SlotEntries([book], [sameSize, other]);
        Assert.Equal([1L, 7], entries.Single(e => e.Volume == "v1").Regions);
        Assert.Equal([2L], entries.Single(e => e.Volume == "v2").Regions);
        var resized = DirtyRegionBook.SlotEntries([book], [sameSize with { RegionBytes = 1 << 20 }]);
        Assert.True(resized.Single().Whole);
        Assert.Equal(64, DirtyRegionBook.RegionCounts([book])(entries[0]));
        Assert.Equal(3, DirtyRegionBook.RegionCounts([book])(other));
    }
}
