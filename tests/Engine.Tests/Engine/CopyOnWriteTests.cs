using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Engine;

/// <summary>
/// A commit never changes the configuration it was applied to and shares what it does not touch: the volume text
/// and hashes cached on the objects (ConfigText) rely on it.
/// </summary>
public sealed class CopyOnWriteTests
{
    public static TheoryData<string> Operations => ["create", "remove", "resize", "addMirror", "removeMirror", "plexState", "addDisk", "removeDisk"];

    [Theory]
    [MemberData(nameof(Operations))]
    public void A_transaction_leaves_the_database_before_it_as_it_was_and_shares_what_it_does_not_touch(string kind)
    {
        var before = TwoGroups();
        var text = DatabaseYaml.Write(before);
        var hash = DatabaseYaml.SharedHash(before); // fills the caches the change must not make stale

        var after = Tx(Operation(kind)).ApplyTo(before, "n1");

        Assert.Equal(text, DatabaseYaml.Write(before));
        Assert.Equal(hash, DatabaseYaml.SharedHash(before));
        Assert.Same(before.FindShared("other"), after.FindShared("other"));
        var changed = after.FindShared("dg")!;
        Assert.NotSame(before.FindShared("dg"), changed);
        Assert.Same(before.FindShared("dg")!.FindVolume("untouched"), changed.FindVolume("untouched"));
        Assert.Equal(DatabaseYaml.SharedHash(after.Clone()), DatabaseYaml.SharedHash(after)); // cached = computed afresh
        Assert.NotEqual(hash, DatabaseYaml.SharedHash(after));
    }

    private static Operation Operation(string kind) => kind switch
    {
        "create" => new CreateVolume { DiskGroup = "dg", Volume = "new", SizeBytes = MiB, Plexes = [PlexOf("new-01", PlexStates.Active, Sd("new-01-01", "d1", 10, MiB))] },
        "remove" => new RemoveVolume { DiskGroup = "dg", Volume = "m" },
        "resize" => new ResizeVolume { DiskGroup = "dg", Volume = "m", SizeBytes = 2 * MiB, Plexes = [PlexOf("m-01", PlexStates.Active, Sd("m-01-01", "d1", 0, 2 * MiB)), PlexOf("m-02", PlexStates.Active, Sd("m-02-01", "d2", 0, 2 * MiB))] },
        "addMirror" => new AddMirror { DiskGroup = "dg", Volume = "m", Plex = PlexOf("m-03", PlexStates.Stale, Sd("m-03-01", "d3", 0, MiB)) },
        "removeMirror" => new RemoveMirror { DiskGroup = "dg", Volume = "m", Plex = "m-02" },
        "plexState" => new SetPlexState { DiskGroup = "dg", Volume = "m", Plex = "m-02", State = PlexStates.Stale },
        "addDisk" => new AddDisk { DiskGroup = "dg", Disks = [Disk("d4", 64)] },
        "removeDisk" => new RemoveDisk { DiskGroup = "dg", Disks = ["d3"] },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static NodeDatabase TwoGroups()
    {
        var dg = Group(64, 64, 64);
        dg.Volumes.Add(Vol("m", MiB, PlexOf("m-01", PlexStates.Active, Sd("m-01-01", "d1", 0, MiB)), PlexOf("m-02", PlexStates.Active, Sd("m-02-01", "d2", 0, MiB))));
        dg.Volumes.Add(Vol("untouched", MiB, PlexOf("untouched-01", PlexStates.Active, Sd("untouched-01-01", "d1", 5, MiB))));
        var other = Group(64);
        other.Name = "other";
        other.Id = Guid.NewGuid();
        other.Volumes.Add(Vol("o", MiB, PlexOf("o-01", PlexStates.Active, Sd("o-01-01", "d1", 0, MiB))));
        return Database(dg, other);
    }

    private static Transaction Tx(Operation op) => new() { Id = "T1", Scope = TransactionScope.Shared, BaseGeneration = 10, Operations = [op] };
}
