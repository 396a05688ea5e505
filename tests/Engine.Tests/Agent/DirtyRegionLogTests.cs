using VolumeManager.Agent.Kernel;
using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;
using VolumeManager.Engine.Tests.Engine;
using VolumeManager.Engine.Tests.Transport;

namespace VolumeManager.Engine.Tests.Agent;

/// <summary>The agent's dirty region log on disk images: what its data path marks, and in which slot.</summary>
public sealed class DirtyRegionLogTests : IDisposable
{
    private const int Region = 512 * 1024;
    private readonly TempDirectory folder = new();
    private readonly NodeDatabase database;
    private readonly DiskGroup group;

    public DirtyRegionLogTests()
    {
        group = Fixtures.MirroredGroup("dg", shared: true);
        var volume = group.Volumes[0];
        volume.Plexes[1].State = PlexStates.Active;
        volume.Log = VolumeLogs.Drl;
        database = new NodeDatabase { ClusterId = Fixtures.ClusterId, Shared = [group] };
        foreach (var disk in group.Disks)
        {
            using var file = File.Create(folder.File(disk.Name));
            file.SetLength(PrivateRegion.Size + (80L << 20));
            file.Write(PrivateRegion.Encode(new PrivateRegionContent { DiskId = disk.Id, DiskName = disk.Name, DiskGroup = group.Name, DiskGroupId = group.Id }));
        }
    }

    public void Dispose() => folder.Dispose();

    private string PathOf(string disk) => folder.File(disk);

    private DirtyRegionLogContent?[] Slots(string disk)
    {
        using var device = DiskDevice.Open(PathOf(disk));
        return DirtyRegionSlot.DecodeArea(device.Read(DirtyRegionSlot.AreaOffset, DirtyRegionSlot.AreaSize));
    }

    private void WriteSlot(string disk, int slot, DirtyRegionLogContent content)
    {
        using var device = DiskDevice.Open(PathOf(disk), write: true);
        device.WriteDurably(DirtyRegionSlot.OffsetOf(slot), DirtyRegionSlot.Encode(content, _ => 128));
    }

    private VolumeIo Io(DirtyRegionLog drl)
    {
        var scanner = new DiskScanner([folder.File("dg-d*")], _ => { });
        var detacher = new PlexDetacher("n1", () => database, new KernelChanges((_, _) => Task.FromResult(ControlResponse.Success())), _ => { });
        return new VolumeIo(new VolumeKernel(TimeSpan.FromSeconds(5)), () => database, scanner, detacher) { Drl = drl };
    }

    [Fact]
    public void Every_writer_marking_at_once_finds_its_region_durable_in_the_slot()
    {
        using var drl = new DirtyRegionLog("n1", () => ["n1", "n2"], Guid.NewGuid(), () => database, PathOf);
        var marks = new IDisposable?[64];
        Parallel.For(0, marks.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            i => marks[i] = drl.Mark("dg", "vol1", (long)i * Region, 4096));
        var entry = Slots(DirtyRegions.LogDisk(group.Volumes[0])!)[0]!.Entries.Single();
        Assert.Equal(Enumerable.Range(0, marks.Length).Select(i => (long)i), entry.Regions.Order());
        foreach (var mark in marks) mark!.Dispose();
    }

    [Fact]
    public void A_slot_cleared_late_by_the_coordinator_that_recovered_it_gets_the_marks_made_since_back()
    {
        using var drl = new DirtyRegionLog("n1", () => ["n1", "n2"], Guid.NewGuid(), () => database, PathOf);
        using var mark = drl.Mark("dg", "vol1", 6L * Region, 4096);
        var disk = DirtyRegions.LogDisk(group.Volumes[0])!;
        var before = Slots(disk)[0]!;
        WriteSlot(disk, 0, new DirtyRegionLogContent("n1", before.Incarnation, []));   // the late clear

        drl.Rewrite();

        Assert.Equal([6L], Slots(disk)[0]!.Entries.Single().Regions);
    }

    [Fact]
    public void A_volume_without_a_log_is_not_marked()
    {
        group.Volumes[0].Log = VolumeLogs.None;
        using var drl = new DirtyRegionLog("n1", () => ["n1", "n2"], Guid.NewGuid(), () => database, PathOf);
        Assert.Null(drl.Mark("dg", "vol1", 0, 4096));
    }

    [Fact]
    public async Task Trim_and_write_zeroes_mark_their_regions_like_a_write()
    {
        using var drl = new DirtyRegionLog("n1", () => ["n1", "n2"], Guid.NewGuid(), () => database, PathOf);
        using var io = Io(drl);
        await io.DiscardAsync("dg", "vol1", 3L * Region, Region, fua: false, CancellationToken.None);
        await io.ZeroAsync("dg", "vol1", 7L * Region + 4096, 2 * Region, fua: false, CancellationToken.None);
        var entry = Slots(DirtyRegions.LogDisk(group.Volumes[0])!)[0]!.Entries.Single();
        Assert.Equal([3L, 7, 8, 9], entry.Regions);
    }

    [Fact]
    public async Task A_node_keeps_its_slot_when_a_node_before_it_is_removed_for_good()
    {
        var disk = DirtyRegions.LogDisk(group.Volumes[0])!;
        var n2 = new DirtyRegionLogContent("n2", Guid.NewGuid(), [new DirtyEntry(group.Id, "vol1", Region, [5])]);
        WriteSlot(disk, 1, n2);
        WriteSlot(disk, 2, new DirtyRegionLogContent("n3", Guid.NewGuid(), [new DirtyEntry(group.Id, "vol1", Region, [9])]));
        // n2 removed with Remove-VmNode -Permanent: n3 is second in the definition now.
        using var drl = new DirtyRegionLog("n3", () => ["n1", "n3"], Guid.NewGuid(), () => database, PathOf);
        using var io = Io(drl);
        await io.WriteAsync("dg", "vol1", 0, new byte[4096], fua: false, CancellationToken.None);
        var slots = Slots(disk);
        Assert.Equal(("n2", n2.Incarnation, 5L), (slots[1]!.Node, slots[1]!.Incarnation, slots[1]!.Entries.Single().Regions.Single()));
        Assert.Equal("n3", slots[2]!.Node);
        Assert.Equal([0L, 9], slots[2]!.Entries.Single().Regions);   // its previous run's region kept until recovered
        Assert.Equal([9L], drl.Inherited(disk).Entries.Single().Regions);
    }
}
