using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Simulation;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>A leave notice from before the master last admitted its sender is stale: the member stays.</summary>
[Trait("Category", "Simulation")]
public sealed class StaleLeaveNoticeTests
{
    [Fact]
    public void A_leave_notice_from_an_epoch_before_the_senders_admission_is_ignored()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!;
        var slave = master.Machine!.Members.Where(m => m.Name != master.Name).MaxBy(m => m.Rank)!.Name; // admitted last
        var admitted = h[slave].Machine!.Epoch;

        h.Sim.Feed(master, new Received(h.Sim.Now, new LeaveNotice { From = slave, Epoch = admitted - 1 }));
        h.RunFor(TimeSpan.FromSeconds(1));

        Assert.Equal(MemberState.Joined, master.Machine!.Members.Single(m => m.Name == slave).State);
        Assert.Equal(admitted, master.Machine.Epoch);
    }

    [Fact]
    public void A_leave_notice_of_the_current_epoch_makes_the_sender_leave()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!;
        var slave = h.Sim.Nodes.Last(n => n != master).Name;

        h.Sim.Feed(master, new Received(h.Sim.Now, new LeaveNotice { From = slave, Epoch = h[slave].Machine!.Epoch }));

        Assert.Equal(MemberState.Left, master.Machine!.Members.Single(m => m.Name == slave).State);
    }
}
