using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// A change a node's kernel starts on its own (a plex detach after a disk error): a slave's goes to the master, which
/// opens and commits it with every member's prepare checks, so it commits everywhere or nowhere like any other.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class KernelChangeTests(ITestOutputHelper output)
{
    private static (SimHarness H, string Master, string Slave) Mirrored()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        var slave = h.Sim.Nodes.First(n => n.Name != master).Name;
        Assert.True(h.Finish(h.CreateShared(master, "dg", "disk01", "disk02")).Succeeded);
        var volume = h.Finish(h.Start(master, new Proposal
        {
            Scope = TransactionScope.Shared, Node = master, Initiator = "admin@" + master,
            Operations = [new CreateVolume { DiskGroup = "dg", Volume = "m", SizeBytes = 64L << 20, Mirrors = 2 }],
        }));
        Assert.True(volume.Succeeded, string.Join("; ", volume.Failures.Select(f => f.Reason)));
        return (h, master, slave);
    }

    private static ControlResponse Ask(SimHarness h, string node, string plex, string disk)
    {
        var answer = h.Sim.Request(node, new KernelChangeRequest
        {
            Scope = TransactionScope.Shared,
            Operations = [new DetachPlex { DiskGroup = "dg", Volume = "m", Plex = plex, Disk = disk, Node = node, Reason = "write failed: EIO" }],
        });
        h.RunUntil(() => answer.IsCompleted, what: "the coordinator's answer");
        return answer.Result;
    }

    private static Plex PlexOn(SimHarness h, string node, int index) => h[node].Machine!.Database.Find("dg")!.FindVolume("m")!.Plexes[index];

    [Fact]
    public void A_slaves_detach_goes_through_the_master_and_commits_on_every_node()
    {
        var (h, _, slave) = Mirrored();
        var plex = PlexOn(h, slave, 0);

        var started = Ask(h, slave, plex.Name, plex.DiskNames.First());
        Assert.True(started.Ok, started.Error);
        h.Settle();

        var id = started.Transaction!.Id;
        Assert.All(h.Sim.Nodes, n => Assert.Equal(TransactionState.Committed, h.States(id)[n.Name]));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(PlexStates.Detached, PlexOn(h, n.Name, 0).State));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(slave, PlexOn(h, n.Name, 0).Detach!.Node));
        Assert.Single(h.Sim.Nodes.Select(n => h.Generation(n.Name)).Distinct());
        h.AssertNoViolations(output);
    }

    [Fact]
    public void The_last_active_plex_is_refused_at_prepare_and_the_transaction_aborts_everywhere()
    {
        var (h, master, slave) = Mirrored();
        Assert.True(Ask(h, master, PlexOn(h, master, 0).Name, PlexOn(h, master, 0).DiskNames.First()).Ok);
        h.Settle();
        var generation = h.Generation(slave);

        var last = PlexOn(h, slave, 1);
        var started = Ask(h, slave, last.Name, last.DiskNames.First());
        h.Settle();

        var record = h[slave].Machine!.Records.Last();
        Assert.True(!started.Ok || record.State == TransactionState.Aborted);
        Assert.Equal(ErrorIds.LastPlex, started.Ok ? record.ErrorId : started.ErrorId);
        Assert.All(h.Sim.Nodes, n => Assert.Equal(generation, h.Generation(n.Name)));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(PlexStates.Active, PlexOn(h, n.Name, 1).State));
        h.AssertNoViolations(output);
    }
}
