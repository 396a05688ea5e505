using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using VolumeManager.Simulation.Invariants;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// Invariant 7 against the simulator's data model: kernels write a mirrored volume while a disk under one plex fails
/// every write; the plex is detached through the protocol, writes are acknowledged only after, and every Active plex
/// holds every acknowledged write. A disk that drops writes while reporting success is caught.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class DataModelTests(ITestOutputHelper output)
{
    private static (SimHarness H, Plex First) Mirrored()
    {
        var h = new SimHarness(3, configure: o => o.Kernel.IoInterval = TimeSpan.FromMilliseconds(10)).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.CreateShared(master, "dg", "disk01", "disk02", "disk03")).Succeeded);
        var created = h.Finish(h.Start(master, h.Workload.Mirrored(master, "dg")));
        Assert.True(created.Succeeded, string.Join("; ", created.Failures.Select(f => f.Reason)));
        return (h, h[master].Machine!.Database.Find("dg")!.Volumes.Single().Plexes[0]);
    }

    [Fact]
    public void A_disk_failing_writes_gets_its_plex_detached_everywhere_relocated_and_no_acknowledged_write_is_lost()
    {
        var (h, first) = Mirrored();
        h.RunFor(TimeSpan.FromSeconds(1));
        var before = h.Sim.Data.Acknowledged;

        h.Sim.Data.FailingDisks.Add(first.DiskNames.Single());
        h.RunFor(TimeSpan.FromSeconds(3));

        Assert.True(h.Sim.Data.Acknowledged > before, "writes go on after the disk failed");
        Assert.True(h.Sim.Data.AcknowledgedAfterDetach > 0, "the writes that missed the failing plex waited for its detach");
        Assert.All(h.Sim.Nodes, n =>
        {
            var plex = n.Machine!.Database.Find("dg")!.Volumes.Single().FindPlex(first.Name)!;
            Assert.NotEqual(PlexStates.Active, plex.State);
            Assert.DoesNotContain(first.DiskNames.Single(), plex.DiskNames);   // relocated off the failed disk
        });
        Assert.Single(h.Sim.Nodes.Select(n => h.Generation(n.Name)).Distinct());
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_disk_that_drops_writes_silently_is_seen_as_a_lost_acknowledged_write()
    {
        var (h, first) = Mirrored();
        h.Sim.Data.LyingDisks.Add(first.DiskNames.Single());
        h.RunFor(TimeSpan.FromSeconds(1));

        Assert.Contains(h.Violations(), v => v.Invariant == InvariantId.DataUnchanged && v.Message.Contains($"plex '{first.Name}'"));
    }
}
