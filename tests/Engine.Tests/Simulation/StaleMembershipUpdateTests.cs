using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Simulation;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>A membership update from an older epoch than the receiver's, sent by a node that is not its master, changes nothing.</summary>
[Trait("Category", "Simulation")]
public sealed class StaleMembershipUpdateTests
{
    /// <summary>What a node that believed itself master at an older epoch would have said: itself master, everyone else gone.</summary>
    private static MembershipUpdate Stale(SimHarness h, string from) => new()
    {
        From = from, Epoch = h[from].Machine!.Epoch - 1, Master = from,
        Members = h.Sim.Nodes.Select(n => new MemberInfo { Name = n.Name, Rank = n.Name == from ? 0 : n.Index + 1, State = n.Name == from ? MemberState.Joined : MemberState.Left }).ToList(),
    };

    [Fact]
    public void A_slave_ignores_an_older_epochs_update_from_another_slave()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        var (receiver, sender) = (h.Sim.Nodes.First(n => n.Name != master).Name, h.Sim.Nodes.Last(n => n.Name != master).Name);
        var epoch = h[receiver].Machine!.Epoch;

        h.Sim.Feed(h[receiver], new Received(h.Sim.Now, Stale(h, sender)));
        h.RunFor(TimeSpan.FromSeconds(1));

        var machine = h[receiver].Machine!;
        Assert.Equal(master, machine.Master);
        Assert.Equal(epoch, machine.Epoch);
        Assert.Equal(NodePhase.Joined, machine.Phase);
        Assert.All(machine.Members, m => Assert.Equal(MemberState.Joined, m.State));
    }

    [Fact]
    public void The_master_does_not_step_down_for_an_older_epochs_update_naming_another_master()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!;
        var sender = h.Sim.Nodes.Last(n => n != master).Name;
        var epoch = master.Machine!.Epoch;

        h.Sim.Feed(master, new Received(h.Sim.Now, Stale(h, sender)));
        h.RunFor(TimeSpan.FromSeconds(1));

        Assert.True(master.Machine!.IsMaster);
        Assert.Equal(epoch, master.Machine.Epoch);
        Assert.All(master.Machine.Members, m => Assert.Equal(MemberState.Joined, m.State));
        Assert.Empty(h.Violations());
    }
}
