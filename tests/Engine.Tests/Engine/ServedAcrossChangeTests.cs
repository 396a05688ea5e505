using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Engine;

/// <summary>
/// Which changes the members may serve on the old configuration while prepared, switching one by one: those where a
/// read on either side finds what the other side wrote.
/// </summary>
public sealed class ServedAcrossChangeTests
{
    public static TheoryData<string, bool> Changes => new()
    {
        { "create volume", true },
        { "remove volume", true },
        { "grow", true },
        { "shrink", true },
        { "add mirror", true },
        { "activate a resynchronised plex", true },
        { "remove mirror", false },
        { "detach", false },
        { "plex made stale (still written)", true },
        { "relocate", false },
        { "turn the log off", false },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_change_is_served_side_by_side_only_when_each_side_reads_what_the_other_wrote(string change, bool served)
    {
        var before = Mirrored();
        var after = Tx(Operation(change)).ApplyTo(before, "n1");

        Assert.Equal(served, ServedAcrossChange.Holds(before, after, ["dg"]));
    }

    [Fact]
    public void A_group_the_change_creates_or_removes_is_served_side_by_side()
    {
        var before = Mirrored();
        var without = new NodeDatabase { Generation = before.Generation + 1 };

        Assert.True(ServedAcrossChange.Holds(before, without, ["dg"]));
        Assert.True(ServedAcrossChange.Holds(without, before, ["dg"]));
    }

    private static Operation Operation(string change) => change switch
    {
        "create volume" => new CreateVolume { DiskGroup = "dg", Volume = "new", SizeBytes = MiB, Plexes = [PlexOf("new-01", PlexStates.Active, Sd("new-01-01", "d1", 10, MiB))] },
        "remove volume" => new RemoveVolume { DiskGroup = "dg", Volume = "m" },
        "grow" => new ResizeVolume { DiskGroup = "dg", Volume = "m", SizeBytes = 2 * MiB, Plexes = [PlexOf("m-01", PlexStates.Active, Sd("m-01-01", "d1", 0, MiB), Sd("m-01-02", "d1", 20, MiB)), PlexOf("m-02", PlexStates.Active, Sd("m-02-01", "d2", 0, 2 * MiB))] },
        "shrink" => new ResizeVolume { DiskGroup = "dg", Volume = "m", SizeBytes = MiB / 2, Plexes = [PlexOf("m-01", PlexStates.Active, Sd("m-01-01", "d1", 0, MiB / 2)), PlexOf("m-02", PlexStates.Active, Sd("m-02-01", "d2", 0, MiB / 2))] },
        "add mirror" => new AddMirror { DiskGroup = "dg", Volume = "m", Plex = PlexOf("m-03", PlexStates.Stale, Sd("m-03-01", "d3", 0, MiB)) },
        "activate a resynchronised plex" => new SetPlexState { DiskGroup = "dg", Volume = "s", Plex = "s-02", State = PlexStates.Active },
        "remove mirror" => new RemoveMirror { DiskGroup = "dg", Volume = "m", Plex = "m-02" },
        "detach" => new DetachPlex { DiskGroup = "dg", Volume = "m", Plex = "m-02", Disk = "d2", Node = "n1", Reason = "write failed: EIO" },
        "plex made stale (still written)" => new SetPlexState { DiskGroup = "dg", Volume = "m", Plex = "m-02", State = PlexStates.Stale },
        "relocate" => new ResizeVolume { DiskGroup = "dg", Volume = "m", SizeBytes = MiB, Plexes = [PlexOf("m-01", PlexStates.Active, Sd("m-01-01", "d1", 0, MiB)), PlexOf("m-02", PlexStates.Active, Sd("m-02-01", "d3", 0, MiB))] },
        "turn the log off" => new AddMirror { DiskGroup = "dg", Volume = "m", Plex = PlexOf("m-03", PlexStates.Stale, Sd("m-03-01", "d3", 0, MiB)), Log = VolumeLogs.None },
        _ => throw new ArgumentOutOfRangeException(nameof(change)),
    };

    /// <summary>A group with a 2-way mirror 'm' and a volume 's' whose second plex is being resynchronised.</summary>
    private static NodeDatabase Mirrored()
    {
        var dg = Group(64, 64, 64);
        dg.Volumes.Add(Vol("m", MiB, PlexOf("m-01", PlexStates.Active, Sd("m-01-01", "d1", 0, MiB)), PlexOf("m-02", PlexStates.Active, Sd("m-02-01", "d2", 0, MiB))));
        dg.Volumes.Add(Vol("s", MiB, PlexOf("s-01", PlexStates.Active, Sd("s-01-01", "d1", 5, MiB)), PlexOf("s-02", PlexStates.Stale, Sd("s-02-01", "d2", 5, MiB))));
        foreach (var volume in dg.Volumes) volume.Log = VolumeLogs.Drl;
        return Database(dg);
    }

    private static Transaction Tx(Operation op) => new() { Id = "T1", Scope = TransactionScope.Shared, BaseGeneration = 10, Operations = [op] };
}
