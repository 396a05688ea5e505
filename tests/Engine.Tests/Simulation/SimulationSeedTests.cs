using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// Random fault schedules, one seed each: agents crash (also just before chosen protocol steps), restart,
/// leave and rejoin; the network partitions and resets connections; changes run from random nodes with the
/// real initiator. Every invariant is checked as the run goes, and once faults stop the cluster must settle.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class SimulationSeedTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 200).Select(seed => new object[] { seed });

    public static IEnumerable<object[]> HostileSeeds() => Enumerable.Range(1, 40).Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_faults_keep_every_invariant_and_the_cluster_settles(int seed) =>
        SimulationAssert.Passes(seed, new ScenarioOptions(), output);

    public static IEnumerable<object[]> ChaosSeeds() => Enumerable.Range(1, 100).Select(seed => new object[] { seed });

    /// <summary>Faults pile up (a crash during a partition, two masters in a row, ...), beyond the one-at-a-time rules.</summary>
    [Theory]
    [MemberData(nameof(ChaosSeeds))]
    public void Faults_piling_up_keep_every_invariant(int seed) =>
        SimulationAssert.Passes(seed, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>Every message through the wire JSON and the database and journal reloaded from text, as the real hosts do.</summary>
    [Theory]
    [MemberData(nameof(HostileSeeds))]
    public void Through_the_wire_format_every_invariant_holds(int seed) =>
        SimulationAssert.Passes(seed, new ScenarioOptions { WireRoundTrip = true }, output);

    /// <summary>Frames lost, duplicated and reordered (not TCP): nothing may commit inconsistently, though progress is not promised.</summary>
    [Theory]
    [MemberData(nameof(HostileSeeds))]
    public void A_hostile_network_breaks_no_safety_invariant(int seed) =>
        SimulationAssert.Passes(seed, new ScenarioOptions { Network = NetworkOptions.Hostile(), CheckLiveness = false }, output);

    [Fact]
    public void One_seed_replays_exactly()
    {
        var first = Scenario.Run(42, new ScenarioOptions { TraceLines = 100_000 });
        var second = Scenario.Run(42, new ScenarioOptions { TraceLines = 100_000 });
        Assert.Equal(first.Events, second.Events);
        Assert.Equal(first.Changelog, second.Changelog);
        Assert.Equal(first.Trace, second.Trace);
        Assert.NotEqual(first.Trace, Scenario.Run(43, new ScenarioOptions { TraceLines = 100_000 }).Trace);
    }
}
