using VolumeManager.Engine.Model;
using VolumeManager.Simulation;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// A member takes over from a silent master only with a majority of members Joined and heard of late, as an eviction
/// counts them. Chaos seeds 823 and 968: master n1 formed with n2, n3 still Joining; n1 died and n2 took over on n3's
/// discovery messages, the old master Left, so n2 won the tie of {n2, n3} alone and committed generation 1; n1
/// restarted and formed again with n3 (a majority of the membership it knew) and committed another generation 1.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class TakeoverQuorumTests
{
    [Fact]
    public void A_member_does_not_take_over_counting_a_node_still_joining()
    {
        var h = new SimHarness(3).Boot("n1", "n2");
        var master = h.Master!;
        var successor = h.Sim.Nodes.First(n => n.Running && n != master);
        var joining = h.Sim.Nodes.First(n => !n.Running);
        Assert.Contains(successor.Machine!.Members, m => m.Name == joining.Name && m.State == MemberState.Joining);

        h.Sim.Crash(master);
        h.RunFor(h.Protocol.DownAfter * 0.9);
        h.Sim.Start(joining); // heard by the successor (discovering) just as the dead master's silence reaches DownAfter
        h.RunFor(h.Protocol.DownAfter);
        Assert.False(successor.Machine!.IsMaster);

        h.Settle();
        Assert.Empty(h.Violations());
    }
}
