using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;

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
        var steps = h.Sim.Nodes.ToDictionary(n => n.Name, _ => new List<string>());
        var ahead = false;
        foreach (var node in steps.Keys)
            h[node].CrashBefore = e =>
            {
                if (e is Quiesce) steps[node].Add("close");
                if (e is Resume) steps[node].Add("open");
                if (e is PersistRecord { Record.State: TransactionState.Committed }) steps[node].Add("committed");
                if (e is PersistRecord { Record.Decided: true, Record.State: TransactionState.Prepared }) steps[node].Add("decided");
                ahead |= e is Send { Message: CommitNotice { AheadOfDecision: true } };
                return false;
            };

        var outcome = h.Finish(h.Start(master, h.Workload.Mirrored(master, "dg01")));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.False(ahead, "the decision is durable before the successor is told");
        Assert.Equal(["close", "open", "decided", "close", "open", "committed"], steps[master]);
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
        var member = h.Sim.Nodes.First(n => n.Name != master).Name;
        var steps = new List<string>();
        h[member].CrashBefore = e =>
        {
            if (e is Quiesce) steps.Add("close");
            if (e is Resume) steps.Add("open");
            return false;
        };
        var volume = h[master].Machine!.Database.Find("dg01")!.Volumes.Single();

        var outcome = h.Finish(h.Start(master, new Proposal
        {
            Scope = TransactionScope.Shared, Node = master, Initiator = $"admin@{master}",
            Operations = [new RemoveMirror { DiskGroup = "dg01", Volume = volume.Name, Plex = volume.Plexes[^1].Name }],
        }));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.Equal(["close", "open"], steps);
        h.AssertNoViolations(output);
    }
}
