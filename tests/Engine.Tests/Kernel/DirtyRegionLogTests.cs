using VolumeManager.Agent.Kernel;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;
using VolumeManager.Engine.Tests.Engine;
using Xunit;

namespace VolumeManager.Engine.Tests.Kernel;

/// <summary>The agent's dirty region log on a real image file: marks made by many writers at once all reach the slot.</summary>
public sealed class DirtyRegionLogTests : IDisposable
{
    private const int Slot = 1;
    private readonly string folder = Directory.CreateTempSubdirectory("vm-drl-").FullName;
    private readonly NodeDatabase database = Fixtures.Database();
    private readonly DiskGroup group;
    private readonly Volume volume;

    public DirtyRegionLogTests()
    {
        group = database.Shared[0];
        volume = group.Volumes[0];
        volume.Log = VolumeLogs.Drl;
        foreach (var plex in volume.Plexes) plex.State = "Active";
        foreach (var disk in group.Disks)
        {
            using var image = File.Create(Path.Combine(folder, disk.Name));
            image.SetLength(2L << 20);
        }
    }

    [Fact]
    public void Every_writer_marking_at_once_finds_its_region_durable_in_the_slot()
    {
        var regionBytes = DirtyRegions.RegionBytes(volume.SizeBytes);
        using var log = NewLog();
        var marks = new IDisposable?[64];
        Parallel.For(0, marks.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            i => marks[i] = log.Mark(group.Name, volume.Name, (long)i * regionBytes, 4096));

        var entry = Assert.Single(ReadSlot().Entries);
        Assert.Equal(Enumerable.Range(0, marks.Length).Select(i => (long)i), entry.Regions.Order());
        foreach (var mark in marks) mark!.Dispose();
    }

    [Fact]
    public void A_write_into_a_region_already_marked_writes_nothing_more_and_is_covered()
    {
        using var log = NewLog();
        using (log.Mark(group.Name, volume.Name, 0, 4096))
        using (log.Mark(group.Name, volume.Name, 8192, 4096))
            Assert.Equal([0L], Assert.Single(ReadSlot().Entries).Regions);
    }

    [Fact]
    public void A_volume_without_a_log_is_not_marked()
    {
        volume.Log = VolumeLogs.None;
        using var log = NewLog();
        Assert.Null(log.Mark(group.Name, volume.Name, 0, 4096));
    }

    private DirtyRegionLog NewLog() => new("n2", Slot, Guid.NewGuid(), () => database, disk => Path.Combine(folder, disk));

    private DirtyRegionLogContent ReadSlot()
    {
        var logDisk = DirtyRegions.LogDisk(volume)!;
        using var image = File.OpenRead(Path.Combine(folder, logDisk));
        var bytes = new byte[DirtyRegionSlot.Size];
        image.Position = DirtyRegionSlot.OffsetOf(Slot);
        image.ReadExactly(bytes);
        return DirtyRegionSlot.Decode(bytes) ?? throw new InvalidDataException("the slot does not decode");
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
