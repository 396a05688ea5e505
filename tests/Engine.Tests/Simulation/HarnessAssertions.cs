using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>The check every schedule test ends with: no invariant broken, and the trace printed when one was.</summary>
internal static class HarnessAssertions
{
    public static void AssertNoViolations(this SimHarness h, ITestOutputHelper output)
    {
        var violations = h.Violations();
        if (violations.Count > 0) output.WriteLine(h.Trace);
        Assert.Empty(violations);
    }
}
