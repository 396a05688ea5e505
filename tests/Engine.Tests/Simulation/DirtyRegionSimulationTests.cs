using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using VolumeManager.Simulation.Invariants;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// Invariant 8 against the simulator's dirty region log: kernels write a mirror plex by plex while a node's agent is
/// killed until one of its writes is cut short between the plexes; the recoveries the engine's rules start (the dirty
/// regions, or the whole of a mirror without a log) leave every Active plex the same. Without them, the check fails.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class DirtyRegionSimulationTests(ITestOutputHelper output)
{
    private static SimHarness Mirror(string log)
    {
        var h = new SimHarness(3, configure: o => o.Kernel.IoInterval = TimeSpan.FromMilliseconds(10)).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.CreateShared(master, "dg", "disk01", "disk02")).Succeeded);
        var created = h.Finish(h.Start(master, new Proposal
        {
            Scope = TransactionScope.Shared, Node = master, Initiator = $"admin@{master}",
            Operations = [new CreateVolume { DiskGroup = "dg", Volume = "m", SizeBytes = 16L << 20, Mirrors = 2, Log = log }],
        }));
        Assert.True(created.Succeeded, string.Join("; ", created.Failures.Select(f => f.Reason)));
        return h;
    }

    /// <summary>Kills a node that is not the master until a crash tears a write, restarting it each time; the torn node stays down.</summary>
    private static void TearAWrite(SimHarness h)
    {
        var victim = h.Sim.Nodes.First(n => n != h.Master);
        for (var round = 0; h.Sim.Data.Torn == 0; round++)
        {
            Assert.True(round < 500, "no crash tore a write");
            h.RunFor(TimeSpan.FromMilliseconds(7));
            h.Sim.Crash(victim);
            if (h.Sim.Data.Torn > 0) break;
            h.Sim.Start(victim);
            h.RunUntil(() => victim.Machine is { Phase: NodePhase.Joined }, TimeSpan.FromSeconds(20), "the victim to join again");
        }
        // Down past one look of the master's recovery (every 250 ms): WholeRecoveryWatch learns who went down only from
        // what each look sees, so a node back within one look is not owed a whole copy (a gap of its own, not this test's).
        h.RunFor(TimeSpan.FromMilliseconds(300));
        h.Sim.Start(victim);
    }

    private static List<Violation> Finish(SimHarness h)
    {
        h.Settle();
        return [.. Scenario.MirrorsAgree(h.Sim, checkLiveness: true), .. h.Violations()];
    }

    [Theory]
    [InlineData(VolumeLogs.Drl)]
    [InlineData(VolumeLogs.None)]
    public void A_write_torn_by_a_crash_is_recovered_and_the_plexes_agree(string log)
    {
        var h = Mirror(log);
        TearAWrite(h);
        var violations = Finish(h);
        output.WriteLine($"{h.Sim.Data.Torn} torn, {h.Sim.Recovery.RegionRecoveries} dirty region recoveries, {h.Sim.Recovery.WholeRecoveries} whole copies, {h.Sim.Drl.SlotWrites} slot writes");
        Assert.Empty(violations);
        if (log == VolumeLogs.Drl) Assert.True(h.Sim.Recovery.RegionRecoveries > 0 && h.Sim.Recovery.WholeRecoveries == 0);
        else Assert.True(h.Sim.Recovery.WholeRecoveries > 0 && h.Sim.Recovery.RegionRecoveries == 0);
    }

    [Fact]
    public void Without_recovery_a_torn_write_leaves_the_plexes_different_and_the_check_fails()
    {
        var h = Mirror(VolumeLogs.Drl);
        h.Sim.Recovery.CopyNothing = true;
        TearAWrite(h);
        h.Settle();
        foreach (var node in h.Sim.Nodes) h.Sim.Data.CheckMirrors(node);
        Assert.Contains(h.Violations(), v => v.Invariant == InvariantId.MirrorsAgree && v.Message.Contains("torn by a crash"));
    }

    /// <summary>
    /// n5 is cut off and the master starts recovering its slot; n5 comes back (the same run) and writes on, marking new
    /// regions; the recovery ends and used to clear n5's slot, dropping those marks; n5 then crashes with a write that
    /// reached one plex, and no recovery copied that region. A recovery no longer clears the slot of a writer that is back.
    /// </summary>
    [Fact]
    public void Seed_702646_a_recovery_leaves_the_slot_of_a_writer_that_came_back() =>
        SimulationAssert.Passes(702646, new ScenarioOptions(), output);

    /// <summary>
    /// The same, but n4 is gone again when the recovery ends: cut off, back (the same run) just long enough to write a
    /// region the recovery had already copied, then crashed with that write on one plex. The recovery must not clear a
    /// slot whose writer was seen joined since it was read; left as it is, the slot is recovered again.
    /// </summary>
    [Fact]
    public void Seed_135323_a_recovery_leaves_the_slot_of_a_writer_that_came_back_and_went_again() =>
        SimulationAssert.Passes(135323, new ScenarioOptions(), output);
}
