using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using static VolumeManager.Engine.Tests.Simulation.ScheduleSteps;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// The failure contract holds for a change of membership too: the master dying around the decision of an AddNode
/// leaves every member with the same definition and quorum, and a node no committed AddNode defined cannot join.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class MembershipChangeFailureTests
{
    private static SimHarness ThreeOfFour() => new SimHarness(4, 1, o => o.DefinedNodes = 3).Boot("n1", "n2", "n3");

    private static Proposal AddN4(SimHarness h, string node) => new()
    {
        Scope = TransactionScope.Shared, Node = node, Initiator = $"admin@{node}",
        Operations = [new AddNode { Node = new NodeDefinition { Name = "n4", Interconnect = h["n4"].Address.Address, StateDirectory = "/var/lib/vm/n4" } }],
    };

    private static bool Defines(SimNode node, string name) => node.Definition.Any(p => p.Name == name);

    [Fact]
    public void An_addition_the_successor_was_told_of_completes_when_the_master_dies_and_every_node_ends_defining_the_new_node()
    {
        var h = ThreeOfFour();
        var master = h.Master!.Name;
        var successor = Successor(h);
        var third = h.Sim.Nodes.Take(3).Single(n => n.Name != master && n.Name != successor).Name;
        h.Before(master, e => SendOf<CommitNotice>(e, third), crash: true);

        var outcome = h.Finish(h.Start(successor, AddN4(h, successor)));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        h.RunUntil(() => Defines(h[third], "n4"), TimeSpan.FromSeconds(15), "the third node learning the outcome");
        // Four members now, two of them up: no majority, so no side takes over (it would not be safe) until n4 starts.
        h.RunFor(TimeSpan.FromSeconds(3));
        Assert.Null(h.Master);
        h.Sim.Start(h["n4"]);
        h.RunUntil(() => h.Master is { } m && m.Name != master && m.Machine!.Members.Any(x => x.Name == "n4" && x.State == MemberState.Joined),
            TimeSpan.FromSeconds(30), "a master over n2, n3 and n4");
        h.Settle(); // the old master returns and takes the configuration
        Assert.All(h.Sim.Nodes, n => Assert.True(Defines(n, "n4"), $"{n.Name} does not define n4"));
        Assert.Equal(MemberState.Joined, h.Master!.Machine!.Members.Single(m => m.Name == "n4").State);
        Assert.Empty(h.Violations());
    }

    [Fact]
    public void An_addition_the_master_dies_before_telling_anyone_of_is_aborted_and_the_node_it_named_cannot_join()
    {
        var h = ThreeOfFour();
        var master = h.Master!.Name;
        var successor = Successor(h);
        h.Before(master, e => SendOf<CommitNotice>(e, successor), crash: true);

        var outcome = h.Finish(h.Start(successor, AddN4(h, successor)));

        Assert.False(outcome.Succeeded);
        h.RunUntil(() => h.Master?.Name == successor, TimeSpan.FromSeconds(15), "the successor taking over");
        h.Sim.Start(h[master]);
        h.Sim.Start(h["n4"]); // it asks to join, and no member hears it
        h.RunFor(TimeSpan.FromSeconds(10));
        Assert.All(h.Sim.Nodes.Take(3), n => Assert.False(Defines(n, "n4"), $"{n.Name} defines n4"));
        Assert.All(h.Sim.Nodes.Take(3), n => Assert.DoesNotContain(n.Machine!.Members, m => m.Name == "n4"));
        Assert.All(h.Sim.Nodes.Take(3), n => Assert.Equal(NodePhase.Joined, n.Machine!.Phase));
        Assert.NotEqual(NodePhase.Joined, h["n4"].Machine!.Phase);
        Assert.All(h.Sim.Nodes.Take(3), n => Assert.Equal(0, h.Generation(n.Name)));
    }
}
