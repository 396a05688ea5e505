using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>The last membership and its epoch survive a restart, and a cluster forms again only with a majority of it.</summary>
[Trait("Category", "Simulation")]
public sealed class DurableMembershipTests(ITestOutputHelper output)
{
    private static SimHarness Cluster(int nodes) => new SimHarness(nodes).Boot();

    [Fact]
    public void Every_member_makes_the_membership_and_epoch_durable()
    {
        var h = Cluster(3);
        var master = h.Master!.Machine!;
        Assert.All(h.Sim.Nodes, n =>
        {
            Assert.Equal(master.Epoch, n.Durable.Epoch);
            Assert.Equal(["n1", "n2", "n3"], n.Durable.Membership.Order());
        });
    }

    [Fact]
    public void A_node_removed_cleanly_records_that_it_is_no_longer_a_member()
    {
        var h = Cluster(3);
        var leaver = h.Sim.Nodes.First(n => n.Name != h.Master!.Name).Name;
        var leave = h.Sim.Request(leaver, new LeaveRequest());
        h.RunUntil(() => leave.IsCompleted, null, "the leave");
        h.RunUntil(() => h.Sim.Nodes.All(n => !n.Durable.Membership.Contains(leaver)), TimeSpan.FromSeconds(2), "every node recording the smaller membership");
        Assert.Equal(2, h[leaver].Durable.Membership.Count);
    }

    [Fact]
    public void An_agent_restarts_with_its_durable_epoch()
    {
        var h = Cluster(3);
        var node = h.Sim.Nodes.First(n => n.Name != h.Master!.Name);
        var epoch = node.Machine!.Epoch;
        h.Sim.Crash(node);
        h.Sim.Restart(node);
        Assert.True(node.Machine!.Epoch >= epoch, $"restarted at epoch {node.Machine.Epoch}, below the {epoch} it had made durable");
    }

    /// <summary>
    /// Overlapping-fault seed 2166, without a tie: after clean Remove-VmNode calls shrank the membership of five
    /// defined nodes to {n1, n2, n3}, the removed n4 and n5 restart with n3 on one side of a partition. They are
    /// three of the five defined nodes but one of the three members: they must not form a second cluster.
    /// </summary>
    [Fact]
    public void Removed_nodes_and_one_member_do_not_form_a_second_cluster()
    {
        var h = Cluster(5);
        Assert.Equal("n1", h.Master!.Name);
        foreach (var leaver in new[] { "n4", "n5" })
        {
            var leave = h.Sim.Request(leaver, new LeaveRequest());
            h.RunUntil(() => leave.IsCompleted, null, $"the leave of {leaver}");
        }
        h.RunUntil(() => new[] { "n1", "n2", "n3" }.All(n => h[n].Durable.Membership.Order().SequenceEqual(["n1", "n2", "n3"])),
            TimeSpan.FromSeconds(2), "the smaller membership made durable on the members");
        foreach (var node in new[] { "n3", "n4", "n5" }) h.Sim.Crash(h[node]);
        h.Sim.Network.Partition(["n3", "n4", "n5"], resetConnections: true);
        foreach (var node in new[] { "n3", "n4", "n5" }) h.Sim.Restart(h[node]);

        h.RunFor(TimeSpan.FromSeconds(8));

        Assert.DoesNotContain(h.Sim.Nodes, n => n.Name is "n3" or "n4" or "n5" && n.Machine is { IsMaster: true });
        Assert.True(h["n1"].Machine!.IsMaster);
        h.Sim.Network.Heal();
        h.Settle();
        Assert.Equal("n1", h.Master!.Name);
        h.AssertNoViolations(output);
    }

    /// <summary>
    /// n1 formed the cluster of four with n3 alone (n2 and n4 still Joining), then n3 left: n1 reaches one of its three
    /// members. Admitting n3 again would give n1 a tie of four that it wins (n1, n3), while n2 and n4 hold a majority
    /// of the three-member membership n3 left behind and could form a second cluster from it (chaos seed 8495). So a
    /// master without a majority admits no node from outside its membership; once n2 and n4 have joined, it admits n3.
    /// </summary>
    [Fact]
    public void A_master_without_a_majority_admits_no_node_from_outside_its_membership()
    {
        var h = new SimHarness(4).Boot("n1", "n3");
        var leave = h.Sim.Request("n3", new LeaveRequest());
        h.RunUntil(() => leave.IsCompleted && h["n1"].Machine!.Members.Single(m => m.Name == "n3").State == MemberState.Left, null, "the leave of n3");
        h.Sim.Restart(h["n3"]);
        h.RunFor(TimeSpan.FromSeconds(2));
        Assert.True(h["n1"].Machine!.IsMaster);
        Assert.NotEqual(MemberState.Joined, h["n1"].Machine!.Members.FirstOrDefault(m => m.Name == "n3")?.State);

        h.Sim.Start(h["n2"]);
        h.Sim.Start(h["n4"]);
        h.Settle();
        Assert.All(h.Sim.Nodes, n => Assert.Equal(MemberState.Joined, h.Master!.Machine!.Members.Single(m => m.Name == n.Name).State));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void After_every_agent_restarts_the_cluster_forms_from_the_last_membership()
    {
        var h = Cluster(3);
        var leave = h.Sim.Request("n3", new LeaveRequest());
        h.RunUntil(() => leave.IsCompleted, null, "the leave of n3");
        h.RunUntil(() => h.Sim.Nodes.All(n => !n.Durable.Membership.Contains("n3")), TimeSpan.FromSeconds(2), "the smaller membership made durable");
        foreach (var node in h.Sim.Nodes) h.Sim.Crash(node);
        h.Sim.Restart(h["n1"]);
        h.Sim.Restart(h["n2"]);

        h.RunUntil(() => h.Master is { } m && m.Machine!.Members.Count(x => x.State == MemberState.Joined) == 2, TimeSpan.FromSeconds(10), "n1 and n2 forming");

        Assert.Equal(["n1", "n2"], h.Master!.Machine!.Members.Select(m => m.Name).Order());
        h.AssertNoViolations(output);
    }

    [Fact]
    public void The_database_text_carries_the_membership_epoch_and_last_transaction()
    {
        var db = new NodeDatabase { ClusterId = Guid.NewGuid(), Generation = 4, Epoch = 9, Membership = ["n1", "n3"], LastTransaction = "T0004-0000abcd" };
        var back = DatabaseYaml.Read(DatabaseYaml.Write(db), "config.yaml");
        Assert.Equal(9, back.Epoch);
        Assert.Equal(["n1", "n3"], back.Membership);
        Assert.Equal("T0004-0000abcd", back.LastTransaction);
        Assert.Equal(DatabaseYaml.SharedHash(db), DatabaseYaml.SharedHash(new NodeDatabase { ClusterId = db.ClusterId, Generation = 4 }));
    }

    [Fact]
    public void A_database_written_before_membership_was_durable_reads_as_never_joined()
    {
        var text = DatabaseYaml.Write(new NodeDatabase { ClusterId = Guid.NewGuid(), Generation = 2 });
        var old = string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("epoch:") && !l.StartsWith("membership:")));
        var back = DatabaseYaml.Read(old, "config.yaml");
        Assert.Equal(0, back.Epoch);
        Assert.Empty(back.Membership);
    }
}
