using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Serialization;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Failures;

/// <summary>What every member checks of a kernel's detach, a hot spare and a detach policy.</summary>
public sealed class DetachChecksTests
{
    private static DiskGroup Mirrored(string policy = DetachPolicies.Global)
    {
        var group = Group(64, 64, 64);
        group.DetachPolicy = policy;
        AddVolume(group, "m", 10 * MiB, mirrors: 2);
        AddVolume(group, "one", 4 * MiB);
        return group;
    }

    private static DetachPlex Detach(string plex = "m-01", string disk = "d1", string volume = "m") =>
        new() { DiskGroup = "dg", Volume = volume, Plex = plex, Disk = disk, Node = "n2", Reason = "write failed: EIO" };

    private static NodeCheckResult Check(string node, DiskGroup group, Operation op, bool seesAll = true)
    {
        var db = Database(group);
        var visible = VisibleTo(db).Where(d => seesAll || d.Name != "d1").ToList();
        return NodeChecks.Run(node, db, visible, Shared(op));
    }

    [Fact]
    public void Under_the_Global_policy_every_node_takes_the_detach_even_the_ones_that_still_reach_the_disk()
    {
        Assert.True(Check("n1", Mirrored(), Detach()).Passed);
        Assert.True(Check("n2", Mirrored(), Detach(), seesAll: false).Passed, "the failed disk need not open on the node that saw it fail");
    }

    [Fact]
    public void Under_the_Local_policy_a_node_that_still_reaches_the_disk_refuses_and_the_reporting_node_does_not()
    {
        var refused = OnlyFailure(Check("n1", Mirrored(DetachPolicies.Local), Detach()));
        Assert.Equal(ErrorIds.DiskStillAccessible, refused.Name);
        Assert.Contains("node n1 still reaches disk 'd1'", refused.Message);
        Assert.Contains("I/O fails only on node n2", refused.Message);
        Assert.True(Check("n2", Mirrored(DetachPolicies.Local), Detach(), seesAll: false).Passed);
        Assert.True(Check("n3", Mirrored(DetachPolicies.Local), Detach(), seesAll: false).Passed, "no node reaches it: the plex is detached as under Global");
    }

    [Fact]
    public void The_last_Active_plex_is_never_detached()
    {
        var group = Mirrored();
        var failure = OnlyFailure(Check("n1", group, Detach("one-01", group.FindVolume("one")!.DiskNames.First(), "one")));
        Assert.Equal(ErrorIds.LastPlex, failure.Name);
        Assert.Contains("never detached", failure.Message);
    }

    [Fact]
    public void A_plex_already_detached_or_not_on_that_disk_is_refused()
    {
        var group = Mirrored();
        List<DiskGroup> groups = [group];
        Detach().ApplyTo(groups, 2);
        Assert.Equal(ErrorIds.InvalidPlexState, OnlyFailure(Check("n1", group, Detach())).Name);
        Assert.Equal(ErrorIds.DiskNotFound, OnlyFailure(Check("n1", Mirrored(), Detach("m-02", "d1"))).Name);
    }

    [Fact]
    public void Other_changes_to_a_volume_with_a_detached_plex_do_not_need_its_failed_disk()
    {
        var group = Mirrored();
        List<DiskGroup> groups = [group];
        Detach().ApplyTo(groups, 2);
        var db = Database(group);
        var result = NodeChecks.Run("n1", db, VisibleTo(db).Where(d => d.Name != "d1").ToList(), Shared(new SetPlexState { DiskGroup = "dg", Volume = "m", Plex = "m-02", State = PlexStates.Active }));
        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void A_disk_with_subdisks_cannot_become_a_spare_and_an_unknown_policy_is_refused()
    {
        Assert.Equal(ErrorIds.DiskHasSubdisks, OnlyFailure(Check("n1", Mirrored(), new SetDisk { DiskGroup = "dg", Disk = "d1", Spare = true })).Name);
        var free = Mirrored();
        free.Disks.Add(Disk("d4", 64));
        Assert.True(Check("n1", free, new SetDisk { DiskGroup = "dg", Disk = "d4", Spare = true }).Passed);
        Assert.Equal(ErrorIds.InvalidDetachPolicy, OnlyFailure(Check("n1", Mirrored(), new SetDiskGroup { DiskGroup = "dg", DetachPolicy = "Sometimes" })).Name);
    }

    [Fact]
    public void The_failure_fields_survive_the_database_text_and_a_group_without_them_reads_as_before()
    {
        var group = Mirrored(DetachPolicies.Local);
        group.Disks.Add(Disk("d4", 64));
        List<DiskGroup> groups = [group];
        new SetDisk { DiskGroup = "dg", Disk = "d4", Spare = true }.ApplyTo(groups, 2);
        Detach().ApplyTo(groups, 3);
        var (volume, plex) = Allocation.Relocation.Wanted(group).Single();
        Allocation.Relocation.Plan(group, volume, plex).Move!.ApplyTo(groups, 4);
        Detach("m-02", "d2").ApplyTo(groups, 5);

        var back = DatabaseYaml.ReadDiskGroup(DatabaseYaml.WriteDiskGroup(group), "test");
        Assert.Equal(DatabaseYaml.WriteDiskGroup(group), DatabaseYaml.WriteDiskGroup(back));
        Assert.Equal(DetachPolicies.Local, back.DetachPolicy);
        Assert.True(back.FindDisk("d4")!.Spare);
        Assert.Equal(DiskStates.Failing, back.FindDisk("d1")!.State);
        Assert.Equal("d1", back.FindVolume("m")!.FindPlex("m-01")!.Subdisks[0].RelocatedFrom);
        Assert.Equal(new PlexDetach("n2", "d2", "write failed: EIO"), back.FindVolume("m")!.FindPlex("m-02")!.Detach);
        Assert.DoesNotContain("spare", DatabaseYaml.WriteDiskGroup(Group(64)));
        Assert.DoesNotContain("detachPolicy", DatabaseYaml.WriteDiskGroup(Group(64)));
    }
}
