using VolumeManager.Engine.Io;
using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Tests.Volumes;

public sealed class VolumeMapTests
{
    private static readonly Plex TwoDisks = new()
    {
        Name = "v-01",
        Subdisks = [new Subdisk { Name = "d1-01", Disk = "d1", Offset = 1 << 20, Length = 100 }, new Subdisk { Name = "d2-01", Disk = "d2", Offset = 0, Length = 50 }],
    };

    [Fact]
    public void A_range_inside_one_subdisk_maps_to_one_span_at_the_subdisk_offset()
    {
        var spans = VolumeMap.Spans(TwoDisks, 10, 20);

        Assert.Equal([new DiskSpan("d1", (1 << 20) + 10, 0, 20)], spans);
    }

    [Fact]
    public void A_range_across_the_end_of_one_subdisk_continues_at_the_start_of_the_next()
    {
        var spans = VolumeMap.Spans(TwoDisks, 90, 30);

        Assert.Equal([new DiskSpan("d1", (1 << 20) + 90, 0, 10), new DiskSpan("d2", 0, 10, 20)], spans);
    }

    [Theory]
    [InlineData(-1, 10, "negative")]
    [InlineData(140, 20, "past the end")]
    public void A_range_outside_the_volume_is_refused_with_the_reason(long offset, long length, string reason)
    {
        var volume = new Volume { Name = "v", SizeBytes = 150, Plexes = [TwoDisks] };

        Assert.Contains(reason, VolumeMap.RangeProblem(volume, offset, length));
        Assert.Null(VolumeMap.RangeProblem(volume, 0, 150));
    }
}
