using VolumeManager.Engine.Checks;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>A node cut off on the minority side of a partition refuses changes with NoQuorum, naming itself and what it hears.</summary>
[Trait("Category", "Simulation")]
public sealed class MinorityChangeTests(ITestOutputHelper output)
{
    [Fact]
    public void A_slave_cut_off_alone_refuses_a_change_with_NoQuorum_while_the_majority_commits()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        var cut = h.Sim.Nodes.Last(n => n.Name != master).Name;
        h.Sim.Network.Partition([cut], resetConnections: true);
        h.RunUntil(() => h[cut].Machine!.Master is null, what: $"{cut} to find itself without a master");

        var refused = h.Finish(h.CreateShared(cut, "dgcut", "disk01"));
        var kept = h.Finish(h.CreateShared(master, "dgkept", "disk02"));

        Assert.False(refused.Succeeded);
        var failure = Assert.Single(refused.Failures);
        Assert.Equal(ErrorIds.NoQuorum, failure.ErrorId);
        Assert.Equal(cut, failure.Node);
        Assert.StartsWith($"node {cut} reaches 1 of the 3 members", failure.Reason);
        Assert.True(kept.Succeeded, string.Join("; ", kept.Failures.Select(f => f.Reason)));
        Assert.Equal(0, h.Generation(cut));

        h.Sim.Network.Heal();
        h.Settle();
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }
}
