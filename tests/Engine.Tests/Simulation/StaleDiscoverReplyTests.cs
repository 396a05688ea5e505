using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Simulation;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// A discovering node learns the peers a master's membership names (nodes added while it was away), but not from a
/// cluster behind its own configuration: one that formed before a RemoveNode committed here still names the node
/// removed, and defining it again undoes the removal on this node and on every node that later joins it (chaos seeds
/// 1015 and 1572: n1 and n2, restarted at generation 1, took n5 back from a master that had formed at generation 0).
/// </summary>
[Trait("Category", "Simulation")]
public sealed class StaleDiscoverReplyTests
{
    /// <summary>A spare host, defined to no member.</summary>
    private const string Unknown = "n4";

    /// <summary>A committed change, then a slave restarted and fed, before any real answer, a reply naming <see cref="Unknown"/>.</summary>
    private static NodeMachine RestartedSlaveHearing(long mastersGeneration)
    {
        var h = new SimHarness(4, configure: o => o.DefinedNodes = 3).Boot("n1", "n2", "n3");
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.CreateShared(master, "dg", "disk01")).Succeeded);
        var slave = h.Sim.Nodes.First(n => n.Name != master);
        h.Sim.Restart(slave);
        Assert.Equal(NodePhase.Discovering, slave.Machine!.Phase);
        Assert.Equal(1, slave.Machine.Database.Generation);
        var members = h[master].Machine!.Members.Select(m => m.Clone()).ToList();
        foreach (var m in members) m.Generation = mastersGeneration;
        members.Add(new MemberInfo { Name = Unknown, Rank = members.Count, Address = h.Sim.Cluster.First(p => p.Name == Unknown).Address, State = MemberState.Joining, Generation = mastersGeneration });
        h.Sim.Feed(slave, new Received(h.Sim.Now, new DiscoverReply { From = master, Epoch = h[master].Machine!.Epoch, Master = master, Members = members }));
        return slave.Machine!;
    }

    [Fact]
    public void A_node_does_not_learn_peers_from_a_master_behind_its_configuration()
    {
        var machine = RestartedSlaveHearing(mastersGeneration: 0);
        Assert.Equal(NodePhase.Joining, machine.Phase);
        Assert.DoesNotContain(machine.Definition, p => p.Name == Unknown);
    }

    [Fact]
    public void A_node_learns_peers_from_a_master_at_its_configuration() =>
        Assert.Contains(RestartedSlaveHearing(mastersGeneration: 1).Definition, p => p.Name == Unknown);
}
