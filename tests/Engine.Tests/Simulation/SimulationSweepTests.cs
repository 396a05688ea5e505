using System.Collections.Concurrent;
using System.Diagnostics;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// The fast sweeps: 10,000 seeds (VM_SIM_SWEEP_SEEDS to change, VM_SIM_SWEEP_FIRST for the first seed) of 2–5
/// nodes (a quarter of them two-node clusters, whose ties the disk lease breaks), on every core, within a time
/// budget (VM_SIM_SWEEP_BUDGET seconds, default 300). A failure names each failing seed with the one-line command
/// that replays it. VM_SIM_NO_MEMBERSHIP=1 sweeps the schedules without membership changes (the seeds pinned before issue 13).
/// </summary>
[Trait("Category", "Simulation")]
public sealed class SimulationSweepTests(ITestOutputHelper output)
{
    private static int Setting(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : fallback;

    [Fact]
    public void Sweep_of_ten_thousand_seeds_finds_no_violation() =>
        Sweep(Setting("VM_SIM_SWEEP_SEEDS", 10_000), Setting("VM_SIM_SWEEP_FIRST", 100_001), new ScenarioOptions());

    /// <summary>
    /// Faults piling up (VM_SIM_CHAOS replays one): crashes, partitions and leaves overlapping, master and successor
    /// failing close together. 1,000 seeds here (VM_SIM_CHAOS_SEEDS to change, VM_SIM_CHAOS_FIRST for the first).
    /// </summary>
    [Fact]
    public void Chaos_sweep_finds_no_violation() =>
        Sweep(Setting("VM_SIM_CHAOS_SEEDS", 1_000), Setting("VM_SIM_CHAOS_FIRST", 1), new ScenarioOptions { OneFaultAtATime = false });

    private void Sweep(int count, int first, ScenarioOptions options)
    {
        if (Environment.GetEnvironmentVariable("VM_SIM_NO_MEMBERSHIP") == "1") options.MembershipChanges = false;
        var budget = TimeSpan.FromSeconds(Setting("VM_SIM_SWEEP_BUDGET", 300));
        var failures = new ConcurrentBag<ScenarioResult>();
        var done = 0;
        long events = 0, writes = 0, afterDetach = 0, torn = 0, regionRecoveries = 0, wholeRecoveries = 0, leftDifferent = 0, repaired = 0, toRecovery = 0, gone = 0, removed = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(first, first + count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, (seed, loop) =>
        {
            if (clock.Elapsed > budget) { loop.Stop(); return; }
            var result = Scenario.Run(seed, options);
            Interlocked.Add(ref events, result.Events);
            Interlocked.Add(ref writes, result.Writes);
            Interlocked.Add(ref afterDetach, result.WritesAfterDetach);
            Interlocked.Add(ref torn, result.TornWrites);
            Interlocked.Add(ref regionRecoveries, result.RegionRecoveries);
            Interlocked.Add(ref wholeRecoveries, result.WholeRecoveries);
            Interlocked.Add(ref leftDifferent, result.LeftDifferentWrites);
            Interlocked.Add(ref repaired, result.RepairedWrites);
            Interlocked.Add(ref toRecovery, result.LeftToRecoveryWrites);
            Interlocked.Add(ref gone, result.GoneWithVolumeWrites);
            Interlocked.Add(ref removed, result.OwedByRemovedNodeWrites);
            Interlocked.Increment(ref done);
            if (!result.Passed) failures.Add(result);
        });
        clock.Stop();
        output.WriteLine($"{done} of {count} seeds (from {first}) in {clock.Elapsed.TotalSeconds:0.0} s on {Environment.ProcessorCount} cores, " +
                         $"{events / Math.Max(1, done)} events per seed, {writes} volume writes acknowledged ({afterDetach} once a failing plex was detached), " +
                         $"{torn} writes torn by a crash, {regionRecoveries} dirty region recoveries and {wholeRecoveries} whole copies of mirrors without a log " +
                         $"({leftDifferent} failed writes left plexes different, {repaired} of them repaired by another node, {toRecovery} left to the recovery of their writer's stopped run, {gone} gone with their volume, {removed} still asked for by a writer removed from the cluster), {failures.Count} failed");
        var worst = failures.OrderBy(f => f.Seed).Take(10).ToList();
        Assert.True(worst.Count == 0, string.Join(Environment.NewLine, worst.Select(f =>
            $"{f.Summary()}: {f.Violations[0]}{Environment.NewLine}  replay: {f.Replay}")));
        Assert.True(done == count, $"only {done} of {count} seeds ran within the {budget.TotalSeconds:0} s budget.");
        // The data model must be exercised, or invariant 7 is checked against nothing.
        if (done >= 400) Assert.True(writes > 0 && afterDetach > 0, $"{writes} writes acknowledged, {afterDetach} after a detach: the sweep did not exercise volumes and disk faults.");
        // And invariant 8 against crashes that tear writes, with both kinds of recovery.
        if (done >= 400) Assert.True(torn > 0 && regionRecoveries > 0 && wholeRecoveries > 0, $"{torn} torn writes, {regionRecoveries} dirty region recoveries, {wholeRecoveries} whole copies: the sweep did not exercise crash recovery.");
    }
}
