using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;
using static VolumeManager.Engine.Tests.Simulation.ScheduleSteps;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// A change the members can serve side by side (<see cref="ServedAcrossChange"/>): each reopens its gates on the old
/// configuration once prepared and switches when told to commit, and no gate is closed across a sync.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class SwitchTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_member_serves_the_old_configuration_while_prepared_and_opens_on_the_new_one_before_its_own_sync()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.CreateShared(master, "dg01", "disk01", "disk02")).Succeeded);
        var steps = h.Sim.Nodes.ToDictionary(n => n.Name, n => RecordGates(h, n.Name));
        var ahead = false;
        h.Before(master, e => e is Send { Message: CommitNotice { AheadOfDecision: true } }, () => ahead = true);

        var outcome = h.Finish(h.Start(master, h.Workload.Mirrored(master, "dg01")));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.False(ahead, "the decision is durable before the successor is told");
        foreach (var member in steps.Keys.Where(n => n != master))
            Assert.Equal(["close", "open", "close", "open", "committed"], steps[member]);
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_change_that_removes_a_plex_keeps_the_gates_closed_from_prepare_to_commit()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.CreateShared(master, "dg01", "disk01", "disk02")).Succeeded);
        Assert.True(h.Finish(h.Start(master, h.Workload.Mirrored(master, "dg01"))).Succeeded);
        var member = h.Sim.Nodes.First(n => n.Name != master && n.Name != Successor(h)).Name;   // the successor is told ahead: it opens after its commit
        var steps = RecordGates(h, member);

        var outcome = h.Finish(h.Start(master, h.Workload.RemoveLastMirror(master, h[master].Machine!.Database.Find("dg01")!)));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.Equal(["close", "open", "committed"], steps);
        h.AssertNoViolations(output);
    }
}
