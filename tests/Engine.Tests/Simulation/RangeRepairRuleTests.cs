using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// The engine's rule for who repairs a range a failed write left different (NodeMachine.Repair): the requester asks the
/// master; the master names the joined members other than the requester in turn, itself first, then the others in rank;
/// the repairer's copy is answered to the requester. With no one else to repair it, the request fails.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class RangeRepairRuleTests(ITestOutputHelper output)
{
    private static SimHarness Mirrored()
    {
        var h = new SimHarness(3, configure: o => o.Kernel.IoInterval = TimeSpan.Zero).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.CreateShared(master, "dg", "disk01", "disk02")).Succeeded);
        Assert.True(h.Finish(h.Start(master, new Proposal
        {
            Scope = TransactionScope.Shared, Node = master, Initiator = $"admin@{master}",
            Operations = [new CreateVolume { DiskGroup = "dg", Volume = "m", SizeBytes = 16L << 20, Mirrors = 2 }],
        })).Succeeded);
        return h;
    }

    /// <summary>Asks for a repair from <paramref name="requester"/>; the answer, and the nodes that carried out the copy.</summary>
    private static (ControlResponse Answer, List<string> CopiedOn) Repair(SimHarness h, string requester)
    {
        var copiedOn = new List<string>();
        foreach (var node in h.Sim.Nodes.Where(n => n.Running)) h.Before(node.Name, e => e is CopyRange c && c.Requester == requester, () => copiedOn.Add(node.Name));
        var answer = h.Sim.Request(requester, new RepairRangeRequest { DiskGroup = "dg", Volume = "m", Offset = 0, Length = 1 << 20 });
        h.RunUntil(() => answer.IsCompleted, TimeSpan.FromSeconds(10), "the repair's answer");
        return (answer.Result, copiedOn);
    }

    /// <summary>The master's path to the disk of the volume's second plex fails; the disk's name.</summary>
    private static string CutMastersPath(SimHarness h)
    {
        var disk = h.Master!.Machine!.Database.Find("dg")!.FindVolume("m")!.Plexes[1].DiskNames.First();
        h.Sim.Data.FailingPaths.Add((h.Master.Name, disk));
        return disk;
    }

    private static string NextInRank(SimHarness h) =>
        h.Master!.Machine!.Members.Where(m => m.Name != h.Master.Name && m.State == MemberState.Joined).OrderBy(m => m.Rank).First().Name;

    [Fact]
    public void A_slaves_range_is_repaired_by_the_master()
    {
        var h = Mirrored();
        var slave = h.Sim.Nodes.First(n => n != h.Master).Name;
        Assert.Equal(h.Master!.Name, h.Master.Machine!.Repairer(slave));

        var (answer, copiedOn) = Repair(h, slave);
        Assert.True(answer.Ok, answer.Error);
        Assert.Equal([h.Master.Name], copiedOn);
    }

    [Fact]
    public void The_masters_own_range_is_repaired_by_the_next_member_in_rank()
    {
        var h = Mirrored();
        var master = h.Master!.Name;
        var next = NextInRank(h);
        Assert.Equal(next, h.Master.Machine!.Repairer(master));

        var (answer, copiedOn) = Repair(h, master);
        output.WriteLine($"master {master}, repaired on {string.Join(",", copiedOn)}");
        Assert.True(answer.Ok, answer.Error);
        Assert.Equal([next], copiedOn);
    }

    [Fact]
    public void A_repairer_that_fails_its_copy_fails_the_request_and_the_requester_may_ask_again()
    {
        var h = Mirrored();
        var slave = h.Sim.Nodes.First(n => n != h.Master).Name;
        var disk = CutMastersPath(h);

        var (refused, _) = Repair(h, slave);
        Assert.False(refused.Ok);
        Assert.Equal(ErrorIds.VolumeIoFailed, refused.ErrorId);
        Assert.Contains(disk, refused.Error);

        h.Sim.Data.FailingPaths.Clear();
        Assert.True(Repair(h, slave).Answer.Ok);
    }

    [Fact]
    public void A_repairer_that_cannot_reach_a_plex_for_good_is_not_the_one_asked_again()
    {
        var h = Mirrored();
        var slave = h.Sim.Nodes.First(n => n != h.Master).Name;
        CutMastersPath(h);

        Assert.False(Repair(h, slave).Answer.Ok);
        var (answer, copiedOn) = Repair(h, slave);

        Assert.True(answer.Ok, answer.Error);
        Assert.DoesNotContain(h.Master.Name, copiedOn);
        Assert.DoesNotContain(slave, copiedOn);
    }

    [Fact]
    public void With_no_other_joined_member_the_masters_own_request_fails()
    {
        var h = Mirrored();
        var master = h.Master!;
        foreach (var slave in h.Sim.Nodes.Where(n => n != master)) h.Sim.Crash(slave);
        h.RunUntil(() => master.Machine!.Members.All(m => m.Name == master.Name || m.State != MemberState.Joined), TimeSpan.FromSeconds(30), "the slaves to be counted gone");
        Assert.Null(master.Machine!.Repairer(master.Name));

        var (answer, copiedOn) = Repair(h, master.Name);
        Assert.False(answer.Ok);
        Assert.Equal(ErrorIds.AgentNotRunning, answer.ErrorId);
        Assert.Empty(copiedOn);
    }

    /// <summary>
    /// A repairer copies only on the configuration the requester asked on: one that holds the group at another generation
    /// (still joining, or behind a change) may not hold the volume or its plexes as the requester does, and used to answer
    /// for a copy it never made (chaos seed 27517).
    /// </summary>
    [Fact]
    public void A_repairer_at_another_generation_of_the_group_refuses_and_copies_nothing()
    {
        var h = Mirrored();
        var master = h.Master!;
        var slave = h.Sim.Nodes.First(n => n != master);
        var group = slave.Machine!.Database.Find("dg")!;

        var (behind, copiedBehind) = AssignRepair(h, master, slave, group.Id, group.Generation - 1, 9001);
        Assert.Empty(copiedBehind);
        Assert.False(behind!.Ok);
        Assert.Equal(ErrorIds.StaleGeneration, behind.ErrorId);
        Assert.Contains($"generation {group.Generation}", behind.Error);

        var (_, copiedOther) = AssignRepair(h, master, slave, Guid.NewGuid(), group.Generation, 9002);
        Assert.Empty(copiedOther);

        var (_, copiedSame) = AssignRepair(h, master, slave, group.Id, group.Generation, 9003);
        Assert.Single(copiedSame);
    }

    /// <summary>The master assigns <paramref name="repairer"/> a repair for itself, as of the group's id and generation given; its answer and its copies.</summary>
    private static (ControlResponse? Answer, List<CopyRange> Copies) AssignRepair(SimHarness h, SimNode master, SimNode repairer, Guid groupId, long generation, long requestId)
    {
        ControlResponse? answer = null;
        var copies = new List<CopyRange>();
        h.Before(repairer.Name, e =>
        {
            if (e is Reply r && r.RequestId == requestId) answer = r.Response;
            if (e is CopyRange c && c.Ref == requestId) copies.Add(c);
            return false;
        });
        h.Sim.Feed(repairer, new Received(h.Sim.Now, new RangeRepair
        {
            From = master.Name, Epoch = master.Machine!.Epoch, Ref = requestId, Requester = repairer.Name, DiskGroup = "dg", Volume = "m",
            Offset = 0, Length = 4096, GroupId = groupId, GroupGeneration = generation, Assigned = true,
        }));
        h.RunFor(TimeSpan.FromMilliseconds(200));
        return (answer, copies);
    }
}
