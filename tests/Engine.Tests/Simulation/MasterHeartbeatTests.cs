using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Simulation;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// What a master's heartbeats reach beyond its joined members: the nodes it counts Joining (a master of its own among
/// them answers, and the older of the two steps down: chaos seed 21005 ran two masters that each counted the other
/// Joining), and what it answers a member beating at an older epoch (it missed a membership update: seed 109880's n4
/// counted a quorum without n2 for good).
/// </summary>
[Trait("Category", "Simulation")]
public sealed class MasterHeartbeatTests
{
    [Fact]
    public void A_master_beats_at_a_member_still_joining()
    {
        var h = new SimHarness(3).Boot("n1", "n2");
        var master = h.Master!.Name;
        var absent = h.Sim.Nodes.First(n => !n.Running).Name;
        Assert.Contains(h[master].Machine!.Members, m => m.Name == absent && m.State == MemberState.Joining);
        var beaten = false;
        h.Before(master, e => e is Send { Message: Heartbeat } s && s.To == absent, () => beaten = true);
        h.RunFor(TimeSpan.FromSeconds(1));
        Assert.True(beaten);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(0, false)]
    public void A_master_tells_a_member_beating_at_an_older_epoch_its_membership_and_one_at_its_epoch_nothing(int behind, bool tells)
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!;
        var slave = h.Sim.Nodes.First(n => n != master);
        var told = false;
        h.Before(master.Name, e => e is Send { Message: MembershipUpdate } s && s.To == slave.Name, () => told = true);
        h.Sim.Feed(master, new Received(h.Sim.Now, new Heartbeat
        {
            From = slave.Name, Epoch = master.Machine!.Epoch - behind, ProcessId = slave.ProcessId, Generation = slave.Machine!.Database.Generation,
        }));
        Assert.Equal(tells, told);
    }
}
