using VolumeManager.Engine.Protocol;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// A node cut off from the majority stops the I/O to its shared groups before the majority could evict it and change
/// what it reads, and opens again once it is a Joined member with a quorum; the majority side never stops.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class FencingTests(ITestOutputHelper output)
{
    [Fact]
    public void A_slave_cut_off_from_the_rest_holds_its_gates_before_it_could_be_evicted_and_opens_them_once_back()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.CreateShared(master, "dg", "disk01")).Succeeded);
        var lone = h.Sim.Nodes.First(n => n.Name != master);

        h.Sim.Network.Partition([lone.Name], resetConnections: false);
        h.RunUntil(() => lone.GateClosed("dg"), h.Protocol.FailureTimeout, "the cut-off slave to fence itself");
        Assert.All(h.Sim.Nodes.Where(n => n != lone), n => Assert.False(n.GateClosed("dg"), $"{n.Name} is on the majority side"));
        Assert.Contains(h[lone.Name].Machine!.Members, m => m.Name == lone.Name);   // fenced before the master evicted it

        h.Sim.Network.Heal();
        h.RunUntil(() => lone.Machine is { Phase: NodePhase.Joined, Fenced: false } && !lone.GateClosed("dg"), TimeSpan.FromSeconds(20), "the healed slave to rejoin and open its gate");
        h.Settle();
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_crashed_slave_leaves_the_two_others_unfenced()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.CreateShared(master, "dg", "disk01")).Succeeded);
        var victim = h.Sim.Nodes.First(n => n.Name != master);

        h.Sim.Crash(victim);
        h.RunFor(h.Protocol.FailureTimeout * 2);

        Assert.All(h.Sim.Nodes.Where(n => n != victim), n => Assert.False(n.Machine!.Fenced || n.GateClosed("dg"), $"{n.Name} still reaches a majority"));
    }

    /// <summary>
    /// Two nodes, the slave holding the disk lease: the master is cut off and the connections reset. The slave sees it Down,
    /// but a closed connection does not prove it dead, and it serves its I/O until it fences. The slave, a quorum with the
    /// lease, takes over only once the old master has stopped: taking over sooner, it detached a plex the old master still
    /// read (chaos seeds 29877, 45453, 46348). Tried on the first three harness seeds whose slave holds the lease.
    /// </summary>
    [Fact]
    public void A_master_cut_off_with_its_connections_reset_has_fenced_before_its_successor_takes_over()
    {
        var tried = 0;
        for (var seed = 1; seed <= 40 && tried < 3; seed++)
        {
            var h = new SimHarness(2, seed).Boot();
            var old = h.Master!;
            Assert.True(h.Finish(h.CreateShared(old.Name, "dg", "disk01")).Succeeded);
            var successor = h.Sim.Nodes.First(n => n != old);
            h.RunUntil(() => successor.Machine!.LeaseHolder is not null, TimeSpan.FromSeconds(3), "a lease holder");
            if (successor.Machine!.LeaseHolder != successor.Name) continue;
            tried++;
            bool? oldServedAtTakeover = null;
            h.Before(successor.Name, e => e is Log l && l.Text.Contains("takes over", StringComparison.Ordinal), () => oldServedAtTakeover = !old.GateClosed("dg"));

            h.Sim.Network.Partition([old.Name], resetConnections: true);
            h.RunUntil(() => oldServedAtTakeover is not null, h.Protocol.FailureTimeout * 2, "the successor to take over");

            Assert.False(oldServedAtTakeover, $"harness seed {seed}: the old master still served its I/O when its successor took over");
            h.Sim.Network.Heal();
            h.Settle();
            h.AssertNoViolations(output);
        }
        Assert.Equal(3, tried);
    }
}
