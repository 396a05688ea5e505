using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// Growing and shrinking the cluster online: AddNode and RemoveNode are transactions, and every member changes its
/// definition, its membership and so its quorum's denominator in the same step as its generation.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class MembershipChangeTests
{
    /// <summary>Three defined and running nodes; n4 is a host that only knows itself and them.</summary>
    private static SimHarness ThreeOfFour(int seed = 1) => new SimHarness(4, seed, o => o.DefinedNodes = 3).Boot("n1", "n2", "n3");

    private static Proposal Change(string node, Operation op) => new()
    {
        Scope = TransactionScope.Shared, Node = node, Initiator = $"admin@{node}", Operations = [op],
    };

    private static AddNode AddN4(SimHarness h) => new()
    {
        Node = new NodeDefinition { Name = "n4", Interconnect = h["n4"].Address.Address, StateDirectory = "/var/lib/volumemanager/n4" },
    };

    /// <summary>Runs a change to its end, checking after every step that no running member counts the quorum over another membership than its generation says.</summary>
    private static ChangeOutcome RunAtomically(SimHarness h, Proposal proposal, long baseGeneration, Func<NodeMachine, bool> changed)
    {
        var run = h.Start(proposal.Node, proposal);
        h.RunUntil(() =>
        {
            foreach (var node in h.Sim.Nodes.Where(n => n.Machine is { Phase: NodePhase.Joined } && n.Index < 3))
            {
                var machine = node.Machine!;
                Assert.True(changed(machine) == (machine.Database.Generation > baseGeneration),
                    $"{node.Name} at generation {machine.Database.Generation} counts [{string.Join(", ", machine.Members.Select(m => $"{m.Name}:{m.State}"))}]{Environment.NewLine}{h.Trace}");
            }
            return run.Done;
        }, TimeSpan.FromSeconds(30), "the change");
        return h.Finish(run);
    }

    private static string Why(ChangeOutcome outcome, SimHarness h) =>
        $"{outcome.Stage}: {string.Join("; ", outcome.Failures.Select(f => f.Reason))} {string.Join("; ", outcome.Checks.Where(c => !c.Passed).Select(c => c.Message))}{Environment.NewLine}{h.Trace}";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Adding_a_node_changes_every_members_quorum_with_the_generation_and_the_node_then_joins(int seed)
    {
        var h = ThreeOfFour(seed);
        var before = h.Generation("n1");
        var outcome = RunAtomically(h, Change("n2", AddN4(h)), before, m => m.Members.Any(x => x.Name == "n4"));
        Assert.True(outcome.Succeeded, Why(outcome, h));
        h.RunUntil(() => h.Sim.Nodes.Take(3).All(n => n.Machine!.Members.Count(m => m.State != MemberState.Left) == 4), TimeSpan.FromSeconds(2), "every member counting four");
        foreach (var node in h.Sim.Nodes.Take(3))
        {
            Assert.Contains(node.Definition, p => p.Name == "n4");
            Assert.Contains("n4", node.Durable.Membership);
        }

        h.Sim.Start(h["n4"]);
        h.RunUntil(() => h["n4"].Machine is { Phase: NodePhase.Joined } && h.Master!.Machine!.Members.Single(m => m.Name == "n4").State == MemberState.Joined,
            TimeSpan.FromSeconds(10), "n4 to join");
        Assert.Equal(h.Generation("n1"), h.Generation("n4"));

        var next = h.Finish(h.CreateShared("n1", "dg4", "disk01"));
        Assert.True(next.Succeeded);
        Assert.Equal(["n1", "n2", "n3", "n4"], next.Transaction!.Members.Order());
        h.Settle();
        Assert.Empty(h.Violations());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Removing_a_node_for_good_shrinks_every_members_quorum_with_the_generation(int seed)
    {
        var h = new SimHarness(4, seed).Boot();
        var master = h.Master!.Name;
        var leaver = h.Sim.Nodes.Last(n => n.Name != master).Name;
        var before = h.Generation(master);
        var outcome = RunAtomically(h, Change(master, new RemoveNode { Node = leaver }), before, m => m.Name == leaver || m.Members.All(x => x.Name != leaver));
        Assert.True(outcome.Succeeded, Why(outcome, h));
        Assert.True(h[leaver].Removed);
        Assert.Equal(NodePhase.Left, h[leaver].Machine!.Phase);
        foreach (var node in h.Sim.Nodes.Where(n => n.Name != leaver))
        {
            Assert.DoesNotContain(node.Definition, p => p.Name == leaver);
            h.RunUntil(() => !node.Durable.Membership.Contains(leaver), TimeSpan.FromSeconds(2), $"{node.Name} recording the smaller membership");
        }
        h.Sim.Crash(h[leaver]);
        Assert.True(h.Finish(h.CreateShared(master, "dg3", "disk01")).Succeeded);
        h.Settle();
        Assert.Empty(h.Violations());
    }

    [Fact]
    public void A_change_that_begins_while_a_node_is_being_added_waits_and_commits_after_it()
    {
        var h = ThreeOfFour();
        var add = h.Start("n1", Change("n1", AddN4(h)));
        var other = h.Start("n3", new Proposal
        {
            Scope = TransactionScope.Shared, Node = "n3", Initiator = "admin@n3", BusyWait = TimeSpan.FromSeconds(10),
            Operations = h.Workload.Create("n3", "dgbusy", ["disk01"]).Operations,
        });
        Assert.True(h.Finish(add).Succeeded);
        var outcome = h.Finish(other);
        Assert.True(outcome.Succeeded, Why(outcome, h));
        h.Sim.Start(h["n4"]);
        h.Settle();
        Assert.Equal(h.Generation("n1"), h.Generation("n4"));
        Assert.Empty(h.Violations());
    }

    [Fact]
    public void The_master_refuses_to_add_a_defined_node_or_to_remove_itself()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        var taken = new AddNode { Node = new NodeDefinition { Name = "n9", Interconnect = h["n2"].Address.Address, StateDirectory = "/x" } };
        var twice = h.Finish(h.Start(master, Change(master, taken)));
        Assert.Equal(ErrorIds.NodeExists, Assert.Single(twice.Failures).ErrorId);
        var itself = h.Finish(h.Start(master, Change(master, new RemoveNode { Node = master })));
        Assert.Equal(ErrorIds.NodeIsMaster, Assert.Single(itself.Failures).ErrorId);
        Assert.Equal(0, h.Generation(master));
    }
}
