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
}
