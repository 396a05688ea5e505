using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Volumes;

public sealed class VolumeOperationTests
{
    private static DiskGroup Apply(DiskGroup group, Operation op, long generation = 11)
    {
        List<DiskGroup> groups = [group.Clone()];
        op.ApplyTo(groups, generation);
        return groups[0];
    }

    [Fact]
    public void CreateVolume_adds_the_volume_with_the_layout_it_carries_and_stamps_the_group_generation()
    {
        var group = Group(64, 64);
        var op = Resolved(new CreateVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 100 * MiB, Mirrors = 1 }, group);

        var after = Apply(group, op, generation: 11);

        var volume = Assert.Single(after.Volumes);
        Assert.Equal(("v", 100 * MiB), (volume.Name, volume.SizeBytes));
        Assert.Equal(Json(op.Plexes), Json(volume.Plexes));
        Assert.Equal(11, after.Generation);
        Assert.NotSame(op.Plexes[0], volume.Plexes[0]);
    }

    [Fact]
    public void CreateVolume_of_a_name_the_group_already_has_changes_nothing()
    {
        var group = Group(64, 64);
        AddVolume(group, "v", MiB);
        var op = new CreateVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 2 * MiB, Plexes = [PlexOf("v-01", PlexStates.Active, Sd("d2-01", "d2", 0, 2 * MiB))] };

        var after = Apply(group, op);

        Assert.Equal(MiB, Assert.Single(after.Volumes).SizeBytes);
        Assert.Equal(group.Generation, after.Generation);
    }

    [Fact]
    public void RemoveVolume_removes_only_that_volume()
    {
        var group = Group(64);
        AddVolume(group, "a", MiB);
        AddVolume(group, "b", MiB);

        var after = Apply(group, new RemoveVolume { DiskGroup = "dg", Volume = "a" });

        Assert.Equal(["b"], after.Volumes.Select(v => v.Name));
        Assert.Equal(11, after.Generation);
    }

    [Fact]
    public void ResizeVolume_sets_the_size_and_each_plexs_subdisks_and_keeps_plex_states()
    {
        var group = Group(64, 64, 64);
        var volume = AddVolume(group, "v", 10 * MiB, 2);
        volume.Plexes[1].State = PlexStates.Stale;
        var op = Resolved(new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 20 * MiB }, group);
        op.Plexes[1].State = PlexStates.Active;   // states are not taken from the operation

        var after = Apply(group, op).FindVolume("v")!;

        Assert.Equal(20 * MiB, after.SizeBytes);
        Assert.All(after.Plexes, p => Assert.Equal(20 * MiB, p.SizeBytes));
        Assert.Equal([PlexStates.Active, PlexStates.Stale], after.Plexes.Select(p => p.State));
    }

    [Fact]
    public void AddMirror_adds_the_new_plex_Stale()
    {
        var group = Group(64, 64);
        AddVolume(group, "v", 10 * MiB);
        var op = Resolved(new AddMirror { DiskGroup = "dg", Volume = "v" }, group);

        var after = Apply(group, op).FindVolume("v")!;

        Assert.Equal(["v-01", "v-02"], after.Plexes.Select(p => p.Name));
        Assert.Equal(PlexStates.Stale, after.Plexes[1].State);
        Assert.Equal(["d2"], after.Plexes[1].DiskNames);
    }

    [Fact]
    public void AddMirror_without_a_layout_changes_nothing()
    {
        var group = Group(64, 64);
        AddVolume(group, "v", 10 * MiB);

        var after = Apply(group, new AddMirror { DiskGroup = "dg", Volume = "v" });

        Assert.Equal(Json(group), Json(after));
    }

    [Fact]
    public void RemoveMirror_removes_the_plex_and_SetPlexState_marks_one()
    {
        var group = Group(64, 64);
        var volume = AddVolume(group, "v", 10 * MiB, 2);
        volume.Plexes[1].State = PlexStates.Stale;

        var active = Apply(group, new SetPlexState { DiskGroup = "dg", Volume = "v", Plex = "v-02", State = PlexStates.Active });
        var removed = Apply(active, new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-01" });

        Assert.Equal([PlexStates.Active, PlexStates.Active], active.FindVolume("v")!.Plexes.Select(p => p.State));
        Assert.Equal(["v-02"], removed.FindVolume("v")!.Plexes.Select(p => p.Name));
    }

    [Fact]
    public void AddDisk_and_RemoveDisk_change_the_groups_disks()
    {
        var group = Group(64);
        var d2 = Disk("d2", 32);

        var added = Apply(group, new AddDisk { DiskGroup = "dg", Disks = [d2] });
        var removed = Apply(added, new RemoveDisk { DiskGroup = "dg", Disks = ["d1"] }, generation: 12);

        Assert.Equal(["d1", "d2"], added.Disks.Select(d => d.Name));
        Assert.Equal((d2.Id, 32 * MiB), (added.Disks[1].Id, added.Disks[1].SizeBytes));
        Assert.Equal(96 * MiB, added.FreeBytes);
        Assert.Equal(["d2"], removed.Disks.Select(d => d.Name));
        Assert.Equal(12, removed.Generation);
    }

    [Fact]
    public void An_operation_on_a_group_the_list_does_not_hold_changes_nothing()
    {
        var group = Group(64);
        AddVolume(group, "v", MiB);
        Operation[] ops =
        [
            new CreateVolume { DiskGroup = "other", Volume = "x", SizeBytes = MiB, Plexes = [PlexOf("x-01", PlexStates.Active, Sd("d1-09", "d1", 9, MiB))] },
            new RemoveVolume { DiskGroup = "other", Volume = "v" }, new ResizeVolume { DiskGroup = "other", Volume = "v", SizeBytes = 2 * MiB },
            new RemoveMirror { DiskGroup = "other", Volume = "v", Plex = "v-01" }, new SetPlexState { DiskGroup = "other", Volume = "v", Plex = "v-01", State = "Stale" },
            new AddDisk { DiskGroup = "other", Disks = [Disk("d9", 8)] }, new RemoveDisk { DiskGroup = "other", Disks = ["d1"] },
        ];

        foreach (var op in ops) Assert.Equal(Json(group), Json(Apply(group, op)));
    }

    [Fact]
    public void Each_operation_describes_itself_for_Get_VmTransaction()
    {
        var group = Group(64, 64);
        var create = Resolved(new CreateVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 100 * MiB, Mirrors = 1 }, group);

        Assert.Equal("create volume 'v' of 100 MiB in disk group 'dg' (v-01 on d1, d2)", create.Describe());
        Assert.Equal("create volume 'm' of 1.5 GiB with 2 mirrors in disk group 'dg'", new CreateVolume { DiskGroup = "dg", Volume = "m", SizeBytes = 1536 * MiB, Mirrors = 2 }.Describe());
        Assert.Equal("remove volume 'v' from disk group 'dg'", new RemoveVolume { DiskGroup = "dg", Volume = "v" }.Describe());
        Assert.Equal("resize volume 'v' of disk group 'dg' to 2 GiB", new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 2048 * MiB }.Describe());
        Assert.Equal("add a mirror to volume 'v' of disk group 'dg' on d3", new AddMirror { DiskGroup = "dg", Volume = "v", Disks = ["d3"] }.Describe());
        Assert.Equal("remove plex 'v-02' from volume 'v' of disk group 'dg'", new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-02" }.Describe());
        Assert.Equal("mark plex 'v-02' of volume 'v' in disk group 'dg' Active", new SetPlexState { DiskGroup = "dg", Volume = "v", Plex = "v-02", State = "Active" }.Describe());
        Assert.Equal("add disks d3, d4 to disk group 'dg'", new AddDisk { DiskGroup = "dg", Disks = [Disk("d3", 1), Disk("d4", 1)] }.Describe());
        Assert.Equal("remove disk d3 from disk group 'dg'", new RemoveDisk { DiskGroup = "dg", Disks = ["d3"] }.Describe());
    }

    [Fact]
    public void Every_new_operation_crosses_the_wire_as_itself()
    {
        var group = Group(64, 64, 64);
        AddVolume(group, "v", 10 * MiB);
        var tx = Shared(
            Resolved(new CreateVolume { DiskGroup = "dg", Volume = "w", SizeBytes = 20 * MiB, Mirrors = 2 }, group),
            new RemoveVolume { DiskGroup = "dg", Volume = "x" },
            Resolved(new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 12 * MiB }, group),
            Resolved(new AddMirror { DiskGroup = "dg", Volume = "v", Disks = ["d3"] }, group),
            new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-02" },
            new SetPlexState { DiskGroup = "dg", Volume = "v", Plex = "v-02", State = PlexStates.Active },
            new AddDisk { DiskGroup = "dg", Disks = [Disk("d4", 64)] },
            new RemoveDisk { DiskGroup = "dg", Disks = ["d4"] });

        var text = WireJson.SerializeToString(tx);
        var back = WireJson.Deserialize<Transaction>(text);

        Assert.Equal(tx.Operations.Select(o => o.GetType()), back.Operations.Select(o => o.GetType()));
        Assert.Equal(text, WireJson.SerializeToString(back));
        Assert.Contains("\"op\":\"CreateVolume\"", text);
        Assert.DoesNotContain("sizeBytes\":0", text);
        Assert.DoesNotContain("isActive", text);
    }

    [Fact]
    public void The_same_transaction_on_two_databases_gives_the_same_shared_hash()
    {
        var group = Group(64, 48, 32, 64, 64);
        AddVolume(group, "old", 7 * MiB + 512);
        var view = View(group);
        var ops = new List<Operation>
        {
            new CreateVolume { DiskGroup = "dg", Volume = "m", SizeBytes = 70 * MiB, Mirrors = 2 },
            new ResizeVolume { DiskGroup = "dg", Volume = "old", SizeBytes = 30 * MiB },
            new AddMirror { DiskGroup = "dg", Volume = "old" },
        };
        LayoutResolver.Resolve(view, ops);
        Assert.NotNull(((AddMirror)ops[2]).Plex);
        var tx = WireJson.Deserialize<Transaction>(WireJson.SerializeToString(Shared([.. ops])));   // as each node receives it

        var n1 = Shared([.. ops]).ApplyTo(Database(group), "n1");
        var n2 = tx.ApplyTo(DatabaseYaml.Read(DatabaseYaml.Write(Database(group)), "n2.yaml"), "n2");

        Assert.Equal(11, n1.Generation);
        Assert.Equal(DatabaseYaml.SharedHash(n1), DatabaseYaml.SharedHash(n2));
        Assert.Equal(DatabaseYaml.Write(n1), DatabaseYaml.Write(n2));
        var after = n1.FindShared("dg")!;
        Assert.Equal(["old", "m"], after.Volumes.Select(v => v.Name));
        Assert.Equal([PlexStates.Active, PlexStates.Stale], after.FindVolume("old")!.Plexes.Select(p => p.State));
        Assert.Equal(30 * MiB, after.FindVolume("old")!.SizeBytes);
        Assert.All(after.Volumes, v => Assert.Null(LayoutRules.Problem(after, v)));
        AssertNoOverlap(after);
    }

    [Fact]
    public void Volumes_plexes_and_subdisks_survive_the_database_YAML()
    {
        var group = Group(64, 64, 64, 64);
        var volume = AddVolume(group, "m", 100 * MiB + 512, 2);
        volume.Plexes[1].State = PlexStates.Stale;
        var db = Database(group);

        var back = DatabaseYaml.Read(DatabaseYaml.Write(db), "db.yaml");

        Assert.Equal(Json(db), Json(back));
        Assert.Equal(DatabaseYaml.SharedHash(db), DatabaseYaml.SharedHash(back));
        Assert.Equal(Json(group), Json(DatabaseYaml.ReadDiskGroup(DatabaseYaml.WriteDiskGroup(group), "copy")));
    }

    [Fact]
    public void A_private_transaction_changes_the_owners_private_group_only()
    {
        var group = Group(64, 64);
        group.Shared = false;
        group.Owner = "n2";
        var db = new NodeDatabase { ClusterId = ClusterId, Generation = 10, PrivateGeneration = 3, Private = [group.Clone()] };
        var op = new CreateVolume { DiskGroup = "dg", Volume = "p", SizeBytes = MiB };
        LayoutResolver.Resolve(new ClusterView { DiskGroups = [group.Clone()] }, [op]);
        var tx = new Transaction { Id = "t", Scope = TransactionScope.Private, Owner = "n2", Operations = [op] };

        var after = tx.ApplyTo(db, "n2");

        Assert.Equal((10L, 4L), (after.Generation, after.PrivateGeneration));
        Assert.Equal(4, after.FindPrivate("dg")!.Generation);
        Assert.Equal("p", Assert.Single(after.FindPrivate("dg")!.Volumes).Name);
    }
}
