using System.Collections.Concurrent;
using VolumeManager.Simulation;
using VolumeManager.Simulation.Invariants;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// Resynchronisations in the simulator (<see cref="ResyncScenario"/>): the rules of the agent's resync service with
/// crashes at every step of the copy, the activation through the real initiator. VM_SIM_RESYNC_SEEDS seeds (default
/// 200) from VM_SIM_RESYNC_FIRST (default 1); a failure prints the command that replays the seed (SimulationReplay with VM_SIM_RESYNC=1).
/// </summary>
[Trait("Category", "Simulation")]
public sealed class ResyncSimulationTests(ITestOutputHelper output)
{
    private static int Setting(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : fallback;

    [Fact]
    public void Sweep_of_resync_seeds_finds_no_violation()
    {
        var count = Setting("VM_SIM_RESYNC_SEEDS", 200);
        var first = Setting("VM_SIM_RESYNC_FIRST", 1);
        var failures = new ConcurrentBag<ScenarioResult>();
        Parallel.For(first, first + count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, seed =>
        {
            var result = ResyncScenario.Run(seed);
            if (!result.Passed) failures.Add(result);
        });
        output.WriteLine($"{count} resync seeds from {first}, {failures.Count} failed");
        var worst = failures.OrderBy(f => f.Seed).Take(5).ToList();
        Assert.True(worst.Count == 0, string.Join(Environment.NewLine, worst.Select(f => $"{f.Summary()}: {f.Violations[0]}{Environment.NewLine}  replay: {f.Replay}")));
    }

    /// <summary>The check can fail: a rule that activates the plex at half the copy is caught in every seed where the activation commits.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Activating_before_the_copy_is_whole_is_caught(int seed)
    {
        var result = ResyncScenario.Run(seed, activateEarly: true);
        output.WriteLine(result.Describe());
        Assert.Contains(result.Violations, v => v.Invariant == InvariantId.ResyncComplete);
    }
}
