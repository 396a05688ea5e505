using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>A measurement, printed, not asserted beyond "the changes went through": simulated changes per second at 8 and 64 nodes.</summary>
[Trait("Category", "Simulation")]
public sealed class SimulationThroughputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(8, 200)]
    [InlineData(64, 40)]
    public void Changes_per_second(int nodes, int changes)
    {
        var result = Throughput.Measure(nodes, changes);
        output.WriteLine(result.ToString());
        Assert.Equal(changes, result.Succeeded);
    }
}
