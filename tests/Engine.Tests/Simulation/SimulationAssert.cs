using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>Runs one seed; on a failure runs it again with the trace on (the run replays exactly) and fails with the whole story.</summary>
internal static class SimulationAssert
{
    public static ScenarioResult Passes(int seed, ScenarioOptions options, ITestOutputHelper? output = null)
    {
        var result = Scenario.Run(seed, options);
        output?.WriteLine(result.Summary());
        if (result.Passed) return result;
        var traced = Scenario.Run(seed, With(options, traceLines: 600));
        Assert.Fail(traced.Describe());
        return result;
    }

    public static ScenarioOptions With(ScenarioOptions o, int traceLines) => new()
    {
        MinNodes = o.MinNodes, MaxNodes = o.MaxNodes, FaultWindow = o.FaultWindow, SettleBound = o.SettleBound,
        MeanFaultGap = o.MeanFaultGap, MeanChangeGap = o.MeanChangeGap, MaxConcurrentChanges = o.MaxConcurrentChanges,
        Crashes = o.Crashes, CrashPoints = o.CrashPoints, Partitions = o.Partitions, Leaves = o.Leaves,
        ConnectionResets = o.ConnectionResets, OneFaultAtATime = o.OneFaultAtATime, Network = o.Network, CheckLiveness = o.CheckLiveness, FinalChange = o.FinalChange,
        DiskInvisibleRate = o.DiskInvisibleRate, WireRoundTrip = o.WireRoundTrip, TraceLines = traceLines,
    };
}
