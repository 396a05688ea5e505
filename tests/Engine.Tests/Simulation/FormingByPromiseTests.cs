using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Simulation;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// A node forms the cluster only on the promises of a majority, not on discovery answers that may have gone stale (the
/// peer joined another master meanwhile: chaos seeds 21005, 1015, 1572 formed two clusters so); a node that promised
/// joins no other master while its promise holds.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class FormingByPromiseTests
{
    private static DiscoverReply Discovering(string from) => new()
    {
        From = from, Master = null, Members = [new MemberInfo { Name = from, State = MemberState.Joined, Generation = 0 }],
    };

    private static DiscoverReply MasterIs(SimHarness h, string from) => new()
    {
        From = from, Master = from,
        Members = h.Sim.Cluster.Select((p, i) => new MemberInfo { Name = p.Name, Rank = i, Address = p.Address, State = p.Name == from ? MemberState.Joined : MemberState.Joining }).ToList(),
    };

    [Fact]
    public void A_node_does_not_form_on_a_discovery_answer_alone()
    {
        var h = new SimHarness(3);
        var n1 = h["n1"];
        h.Sim.Start(n1);
        // n2 answered as discovering, then went elsewhere: counted, n1 and n2 would be two of three.
        h.Sim.Feed(n1, new Received(h.Sim.Now, Discovering("n2")));
        h.RunFor(TimeSpan.FromSeconds(3));
        Assert.False(n1.Machine!.IsMaster);
        Assert.Equal(NodePhase.Discovering, n1.Machine.Phase);
    }

    [Fact]
    public void A_node_forms_once_a_majority_promised()
    {
        var h = new SimHarness(3).Boot("n1", "n2");
        var master = h.Master!.Machine!;
        Assert.Contains(master.Members, m => m.Name == "n3" && m.State == MemberState.Joining);
        Assert.All(h.Sim.Nodes.Where(n => n.Running), n => Assert.Equal(master.Name, n.Machine!.Master));
    }

    [Fact]
    public void A_node_that_promised_joins_no_other_master_while_its_promise_holds()
    {
        var h = new SimHarness(3);
        var n2 = h["n2"];
        h.Sim.Start(n2);
        var promised = false;
        h.Before("n2", e => e is Send { To: "n1", Message: DiscoverReply { PromisedTo: "n1" } }, () => promised = true);
        h.Sim.Feed(n2, new Received(h.Sim.Now, new Discover { From = "n1", FormingAt = 0 }));
        Assert.True(promised);

        h.Sim.Feed(n2, new Received(h.Sim.Now, MasterIs(h, "n3")));
        Assert.Equal(NodePhase.Discovering, n2.Machine!.Phase);

        h.Sim.Feed(n2, new Received(h.Sim.Now, MasterIs(h, "n1")));
        Assert.Equal(NodePhase.Joining, n2.Machine.Phase);
    }

    [Fact]
    public void A_node_promises_no_former_behind_its_configuration()
    {
        var h = new SimHarness(3);
        var n2 = h["n2"];
        n2.Durable.Generation = 4;
        h.Sim.Start(n2);
        var promised = false;
        h.Before("n2", e => e is Send { Message: DiscoverReply { PromisedTo: not null } }, () => promised = true);
        h.Sim.Feed(n2, new Received(h.Sim.Now, new Discover { From = "n1", FormingAt = 3 }));
        Assert.False(promised);
    }

    /// <summary>
    /// Seed 126105: n1 restarted in doubt about removing n2 takes no word from n2 on who is master, so n3, told by n2 that
    /// n1 is master, kept asking n1 to join; n1 asked n3 to promise, and a joining node never promised: no cluster formed.
    /// </summary>
    [Fact]
    public void A_node_joining_the_node_that_forms_promises_it_and_no_other()
    {
        var h = new SimHarness(3);
        var n3 = h["n3"];
        h.Sim.Start(n3);
        h.Sim.Feed(n3, new Received(h.Sim.Now, MasterIs(h, "n1")));
        Assert.Equal(NodePhase.Joining, n3.Machine!.Phase);
        string? promisedTo = null;
        h.Before("n3", e => e is Send { Message: DiscoverReply { PromisedTo: { } p } } && (promisedTo = p) is not null);
        h.Sim.Feed(n3, new Received(h.Sim.Now, new Discover { From = "n2", FormingAt = 0 }));
        Assert.Null(promisedTo);
        h.Sim.Feed(n3, new Received(h.Sim.Now, new Discover { From = "n1", FormingAt = 0 }));
        Assert.Equal("n1", promisedTo);
        Assert.Equal(NodePhase.Discovering, n3.Machine.Phase);
    }
}
