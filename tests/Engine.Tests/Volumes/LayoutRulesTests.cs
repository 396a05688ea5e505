using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Volumes;

/// <summary>What a node refuses in a layout it is asked to apply, and the size words the messages use.</summary>
public sealed class LayoutRulesTests
{
    private static string? Problem(params Plex[] plexes)
    {
        var group = Group(64, 64);
        AddVolume(group, "other", 4 * MiB);   // d1 [0, 4) MiB, subdisk d1-01
        var volume = Vol("v", 8 * MiB, plexes);
        group.Volumes.Add(volume);
        return LayoutRules.Problem(group, volume);
    }

    [Fact]
    public void A_sound_layout_has_no_problem()
    {
        Assert.Null(Problem(
            PlexOf("v-01", PlexStates.Active, Sd("d1-02", "d1", 4, 3 * MiB), Sd("d1-03", "d1", 8, 5 * MiB)),
            PlexOf("v-02", PlexStates.Stale, Sd("d2-01", "d2", 0, 8 * MiB))));
    }

    [Theory]
    [InlineData("d1-02", "d1", 3L, 8L, "overlaps subdisk 'd1-01' (disk 'd1' bytes 0..4194304)")]
    [InlineData("d1-02", "d1", 60L, 8L, "runs past the end of disk 'd1', which has 64 MiB (67108864 bytes) usable")]
    [InlineData("d7-01", "d7", 0L, 8L, "is on disk 'd7', which is not in disk group 'dg'")]
    [InlineData("d1-01", "d1", 10L, 8L, "subdisk name 'd1-01' is used twice in disk group 'dg'")]
    public void A_subdisk_that_does_not_fit_its_disk_is_a_problem(string name, string disk, long offsetMiB, long lengthMiB, string problem)
    {
        Assert.Contains(problem, Problem(PlexOf("v-01", PlexStates.Active, Sd(name, disk, offsetMiB, lengthMiB * MiB))));
    }

    [Fact]
    public void A_subdisk_off_a_MiB_boundary_or_empty_is_a_problem()
    {
        Assert.Contains("not on a 1 MiB boundary", Problem(PlexOf("v-01", PlexStates.Active, new Subdisk { Name = "d2-01", Disk = "d2", Offset = 4096, Length = 8 * MiB })));
        Assert.Contains("has length 0", Problem(PlexOf("v-01", PlexStates.Active, Sd("d2-01", "d2", 0, 8 * MiB), Sd("d2-02", "d2", 9, 0))));
    }

    [Fact]
    public void Two_plexes_on_one_disk_a_short_plex_an_unknown_state_or_no_plex_is_a_problem()
    {
        Assert.Contains("plexes 'v-01' and 'v-02' of volume 'v' both use disk 'd2'",
            Problem(PlexOf("v-01", PlexStates.Active, Sd("d2-01", "d2", 0, 8 * MiB)), PlexOf("v-02", PlexStates.Active, Sd("d2-02", "d2", 8, 8 * MiB))));
        Assert.Equal("plex 'v-01' holds 7 MiB (7340032 bytes), but volume 'v' is 8 MiB (8388608 bytes).",
            Problem(PlexOf("v-01", PlexStates.Active, Sd("d2-01", "d2", 0, 7 * MiB))));
        Assert.Contains("has state 'Syncing'; a plex is Active, Stale", Problem(PlexOf("v-01", "Syncing", Sd("d2-01", "d2", 0, 8 * MiB))));
        Assert.Equal("volume 'v' has no plex.", Problem());
    }

    [Theory]
    [InlineData(0L, "0 bytes")]
    [InlineData(1L, "1 byte")]
    [InlineData(512L, "512 bytes")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(67108864L, "64 MiB")]
    [InlineData(1610612736L, "1.5 GiB")]
    [InlineData(1099511627776L, "1 TiB")]
    [InlineData(long.MaxValue, "8 EiB")]
    public void Sizes_read_in_binary_units(long bytes, string text)
    {
        Assert.Equal(text, Sizes.Human(bytes));
    }

    [Fact]
    public void A_disk_named_twice_is_added_once()
    {
        List<DiskGroup> groups = [Group(64)];

        new AddDisk { DiskGroup = "dg", Disks = [Disk("d2", 8), Disk("d2", 8)] }.ApplyTo(groups, 2);

        Assert.Equal(["d1", "d2"], groups[0].Disks.Select(d => d.Name));
    }
}
