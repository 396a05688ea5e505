using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using VolumeManager.Simulation.Invariants;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// A write that left a mirror's plexes different (Local detach policy: one node's path to a plex's disk fails, the
/// other nodes still reach it, so the plex stays attached) fails on its node as before, and a node that reaches every
/// plex repairs its range: the plexes agree again (invariant 8, no longer leaving such writes out). Without the repair
/// the check fails.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class RangeRepairSimulationTests(ITestOutputHelper output)
{
    private const long Block = 8L << 20;

    private sealed record Setup(SimHarness H, SimNode Writer, string FailingDisk);

    /// <summary>Three nodes, a Local-policy group with a logged 2-way mirror, no background writes; a slave's path to the disk of plex <paramref name="failing"/> fails.</summary>
    private static Setup LocalMirror(int failing)
    {
        var h = new SimHarness(3, configure: o => o.Kernel.IoInterval = TimeSpan.Zero).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.Start(master, h.Workload.Create(master, "dg", ["disk01", "disk02"], detachPolicy: DetachPolicies.Local))).Succeeded);
        var created = h.Finish(h.Start(master, new Proposal
        {
            Scope = TransactionScope.Shared, Node = master, Initiator = $"admin@{master}",
            Operations = [new CreateVolume { DiskGroup = "dg", Volume = "m", SizeBytes = 16L << 20, Mirrors = 2, Log = VolumeLogs.Drl }],
        }));
        Assert.True(created.Succeeded, string.Join("; ", created.Failures.Select(f => f.Reason)));
        var writer = h.Sim.Nodes.First(n => n != h.Master);
        var disk = Volume(writer).Plexes[failing].DiskNames.First();
        h.Sim.Data.FailingPaths.Add((writer.Name, disk));
        writer.InvisibleDisks.Add(disk);
        return new Setup(h, writer, disk);
    }

    /// <summary>Every node but the writer loses (or gets back) its path to the failing disk: no one can repair meanwhile.</summary>
    private static void CutRepairers(Setup s, bool cut)
    {
        foreach (var node in s.H.Sim.Nodes.Where(n => n != s.Writer))
            if (cut) s.H.Sim.Data.FailingPaths.Add((node.Name, s.FailingDisk));
            else s.H.Sim.Data.FailingPaths.Remove((node.Name, s.FailingDisk));
    }

    private static Volume Volume(SimNode node) => node.Machine!.Database.Find("dg")!.FindVolume("m")!;

    private static void WriteOnce(Setup s)
    {
        var group = s.Writer.Machine!.Database.Find("dg")!;
        s.H.Sim.Data.Submit(s.Writer, group, group.FindVolume("m")!, Block, TimeSpan.FromMilliseconds(2));
        s.H.RunUntil(() => s.H.Sim.Data.Failed > 0, TimeSpan.FromSeconds(30), "the write to fail");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_write_that_left_the_plexes_different_fails_and_another_node_repairs_its_range(int failing)
    {
        var s = LocalMirror(failing);
        WriteOnce(s);
        s.H.RunUntil(() => s.H.Sim.Data.Repaired > 0, TimeSpan.FromSeconds(30), "the repair");

        Assert.Equal((1, 1, 0), (s.H.Sim.Data.Failed, s.H.Sim.Data.LeftDifferent, s.H.Sim.Data.Acknowledged));
        Assert.All(s.H.Sim.Nodes, n => Assert.All(Volume(n).Plexes, p => Assert.True(p.IsActive, $"plex {p.Name} on {n.Name} is {p.State}")));
        var values = s.H.Sim.Data.ValuesAt(Volume(s.H.Master!), Block);
        output.WriteLine($"plex {failing} unreachable from {s.Writer.Name}: plexes hold {string.Join(", ", values)} at byte {Block}");
        Assert.Single(values.Distinct());
        s.H.Sim.Data.FailingPaths.Clear();
        s.Writer.InvisibleDisks.Remove(s.FailingDisk);
        Assert.Empty(Scenario.MirrorsAgree(s.H.Sim, checkLiveness: true).Concat(s.H.Violations()));
    }

    [Fact]
    public void A_range_no_repairer_can_reach_stays_marked_and_is_asked_again_until_one_can()
    {
        var s = LocalMirror(1);
        var master = s.H.Master!;
        CutRepairers(s, cut: true);
        WriteOnce(s);
        s.H.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal((1, 0, 1), (s.H.Sim.Data.LeftDifferent, s.H.Sim.Data.Repaired, s.H.Sim.Data.RepairsPending));
        Assert.Equal(2, s.H.Sim.Data.ValuesAt(Volume(master), Block).Distinct().Count());

        CutRepairers(s, cut: false);
        s.H.RunUntil(() => s.H.Sim.Data.Repaired > 0, TimeSpan.FromSeconds(10), "the repair asked again");
        Assert.Single(s.H.Sim.Data.ValuesAt(Volume(master), Block).Distinct());
    }

    [Fact]
    public void A_writer_that_crashes_before_its_repair_leaves_the_range_to_the_recovery_of_its_dirty_regions()
    {
        var s = LocalMirror(1);
        var master = s.H.Master!;
        CutRepairers(s, cut: true);   // no repair can succeed yet
        WriteOnce(s);
        s.H.RunFor(TimeSpan.FromSeconds(1));
        s.H.Sim.Crash(s.Writer);
        CutRepairers(s, cut: false);
        s.H.Settle();
        s.H.RunUntil(() => s.H.Sim.Data.LeftToRecovery > 0, TimeSpan.FromSeconds(5), "the stopped repair to be counted");
        s.H.Sim.Data.FailingPaths.Clear();
        s.Writer.InvisibleDisks.Remove(s.FailingDisk);
        Assert.Empty(Scenario.MirrorsAgree(s.H.Sim, checkLiveness: true).Concat(s.H.Violations()));

        Assert.Equal((1, 0, 1), (s.H.Sim.Data.LeftDifferent, s.H.Sim.Data.Repaired, s.H.Sim.Data.LeftToRecovery));
        Assert.True(s.H.Sim.Recovery.RegionRecoveries > 0, "no recovery copied the writer's dirty regions");
        Assert.Single(s.H.Sim.Data.ValuesAt(Volume(master), Block).Distinct());
    }

    [Fact]
    public void Without_the_repair_the_plexes_stay_different_and_the_check_fails()
    {
        var s = LocalMirror(1);
        s.H.Sim.Data.RepairNothing = true;
        WriteOnce(s);
        s.H.RunFor(TimeSpan.FromSeconds(5));
        foreach (var node in s.H.Sim.Nodes) s.H.Sim.Data.CheckMirrors(node);
        Assert.Contains(s.H.Violations(), v => v.Invariant == InvariantId.MirrorsAgree && v.Message.Contains($"at byte {Block} ", StringComparison.Ordinal));
    }
}
