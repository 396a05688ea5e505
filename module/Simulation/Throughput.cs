using System.Diagnostics;

namespace VolumeManager.Simulation;

/// <summary>What <see cref="Throughput.Measure"/> found: changes committed, and how long they took in wall-clock and simulated time.</summary>
public sealed record ThroughputResult(int Nodes, int Changes, int Succeeded, TimeSpan Wall, TimeSpan Simulated, long Events)
{
    public double PerWallSecond => Succeeded / Wall.TotalSeconds;
    public double PerSimulatedSecond => Succeeded / Simulated.TotalSeconds;

    public override string ToString() =>
        $"{Nodes} nodes: {Succeeded}/{Changes} changes in {Wall.TotalSeconds:0.00} s wall ({PerWallSecond:0.0} changes/s), " +
        $"{Simulated.TotalSeconds:0.00} s simulated ({PerSimulatedSecond:0.0} changes/s), {Events} events";
}

/// <summary>A measurement, not a test: how many changes per second the simulator pushes through a healthy cluster.</summary>
public static class Throughput
{
    /// <summary>Boots <paramref name="nodes"/> nodes, then runs <paramref name="changes"/> changes one after another (create, then remove, of a shared disk group).</summary>
    public static ThroughputResult Measure(int nodes, int changes, int seed = 1)
    {
        var harness = new SimHarness(nodes, seed, o =>
        {
            o.TraceLines = 0;
            o.Protocol.FailureTimeout = TimeSpan.FromSeconds(10);
        });
        harness.Boot();
        var master = harness.Master!.Name;
        var events = harness.Sim.Events;
        var started = harness.Sim.Elapsed;
        var clock = Stopwatch.StartNew();
        var succeeded = 0;
        for (var i = 0; i < changes; i++)
        {
            var home = harness.Sim.Nodes[i % nodes].Name;
            var run = i % 2 == 0 ? harness.CreateShared(home, $"tp{i / 2:D4}", "disk01") : harness.RemoveShared(home, $"tp{i / 2:D4}");
            if (harness.Finish(run).Succeeded) succeeded++;
        }
        clock.Stop();
        return new ThroughputResult(nodes, changes, succeeded, clock.Elapsed, harness.Sim.Elapsed - started, harness.Sim.Events - events);
    }
}
