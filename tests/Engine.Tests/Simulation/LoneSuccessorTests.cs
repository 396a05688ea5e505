using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;
using static VolumeManager.Engine.Tests.Simulation.ScheduleSteps;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// A decided change whose successor is its only other member: no one else can be told first, so the master does not
/// pass it over (a new order of succession would name no one new and wait for a majority that needs the successor
/// itself); it tells it again until it answers.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class LoneSuccessorTests(ITestOutputHelper output)
{
    /// <summary>
    /// Chaos seeds 45276 and 53599: the successor of an AddNode in a two-node cluster commits it (so it ignores the
    /// master's membership updates, sent before the master applies the change) and its acknowledgement is lost. Passed
    /// over, it never held the new order, and the master never told it again: the change stayed open for good.
    /// </summary>
    [Fact]
    public void A_lone_successor_whose_acknowledgement_is_lost_is_told_again_and_the_change_ends()
    {
        var h = new SimHarness(3, 1, o => o.DefinedNodes = 2).Boot("n1", "n2");
        var master = h.Master!.Name;
        var successor = master == "n1" ? "n2" : "n1";
        h.Before(successor, e => SendOf<CommitAck>(e, master), () => h.Sim.Network.CutBetween(master, successor));
        var add = new AddNode { Node = new NodeDefinition { Name = "n3", Interconnect = h["n3"].Address.Address, StateDirectory = "/var/lib/volumemanager/n3" } };
        var run = h.Start(master, new Proposal { Scope = TransactionScope.Shared, Node = master, Initiator = $"admin@{master}", Operations = [add] });

        h.RunFor(h.Protocol.SuccessorAckTimeout + h.Protocol.DownAfter * 2);
        h.Sim.Network.Heal();
        var outcome = h.Finish(run, TimeSpan.FromSeconds(20));

        Assert.True(outcome.Succeeded, $"{outcome.Stage}: {string.Join("; ", outcome.Failures.Select(f => f.Reason))}{Environment.NewLine}{h.Trace}");
        Assert.All([master, successor], n => Assert.Equal(1, h.Generation(n)));
        Assert.Contains(h[master].Machine!.Definition, p => p.Name == "n3");
        h.Settle();
        h.AssertNoViolations(output);
    }
}
