using VolumeManager.Agent.Kernel;

namespace VolumeManager.Engine.Tests.Kernel;

public sealed class IoGateTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Quiesce_waits_for_io_in_flight_and_blocks_new_io_until_resume()
    {
        var gate = new IoGate();
        await gate.EnterAsync(CancellationToken.None);
        var quiesce = gate.QuiesceAsync(Bound);
        Assert.False(quiesce.IsCompleted);
        gate.Exit();
        Assert.True(await quiesce);

        var blocked = gate.EnterAsync(CancellationToken.None);
        Assert.False(blocked.IsCompleted);
        gate.Resume();
        await blocked.WaitAsync(Bound);
        Assert.Equal(1, gate.InFlight);
    }

    [Fact]
    public async Task A_gate_closed_by_two_transactions_opens_only_when_both_resume()
    {
        var gate = new IoGate();
        Assert.True(await gate.QuiesceAsync(Bound));
        Assert.True(await gate.QuiesceAsync(Bound));

        gate.Resume();
        Assert.True(gate.Closed);
        gate.Resume();
        Assert.False(gate.Closed);
    }

    [Fact]
    public async Task Quiesce_reports_failure_when_io_does_not_drain_within_the_bound()
    {
        var kernel = new VolumeKernel(TimeSpan.FromMilliseconds(50));
        await kernel.Gate("dg").EnterAsync(CancellationToken.None);

        var problem = await kernel.QuiesceAsync("t1", ["dg"]);

        Assert.Contains("did not drain", problem);
        Assert.False(kernel.Gate("dg").Closed);
    }
}
