using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;
using static VolumeManager.Engine.Tests.Simulation.ScheduleSteps;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// A change held in doubt whose base the node's own configuration has passed without it is settled aborted: no one can
/// commit it here any more, and the member that could have answered may never return (chaos seed 24424).
/// </summary>
[Trait("Category", "Simulation")]
public sealed class PassedBaseTests(ITestOutputHelper output)
{
    /// <summary>
    /// n1 decides a change of {n1, n2} (n3 defined, not yet running) and dies before telling n2; n2 dies too. n2 and n3
    /// form the cluster: n2 keeps the change in doubt (it may not be the member told first), and, with half of the
    /// change's members here, commits a change of its own on the same base. n1 never returns: n2 must settle the change
    /// it holds in doubt, not keep its groups frozen for good.
    /// </summary>
    [Fact]
    public void A_master_past_the_base_of_a_change_it_holds_in_doubt_settles_it_aborted()
    {
        var h = new SimHarness(3).Boot("n1", "n2");
        Assert.Equal("n1", h.Master!.Name);
        h.Before("n1", e => SendOf<CommitNotice>(e, "n2"), () => h.Sim.Crash(h["n2"]), crash: true);
        h.CreateShared("n1", "dg01", "disk01");
        h.RunUntil(() => !h["n1"].Running && !h["n2"].Running, TimeSpan.FromSeconds(10), "n1 and n2 stopping");
        var id = h["n2"].Journal.Last(r => r.State == TransactionState.Prepared).Transaction.Id;

        h.Sim.Restart(h["n2"]);
        h.Sim.Start(h["n3"]);
        h.RunUntil(() => h["n2"].Machine is { IsMaster: true, Phase: NodePhase.Joined } && h["n3"].Machine is { Phase: NodePhase.Joined },
            TimeSpan.FromSeconds(20), "n2 forming the cluster with n3");
        var next = h.Finish(h.CreateShared("n2", "dg02", "disk02"), TimeSpan.FromSeconds(20));
        Assert.True(next.Succeeded, $"{next.Stage}: {string.Join("; ", next.Failures.Select(f => f.Reason))}{Environment.NewLine}{h.Trace}");

        h.RunFor(h.Protocol.DownAfter * 3);
        output.WriteLine($"{id} on n2: {h["n2"].Machine!.Records.Single(r => r.Transaction.Id == id).State}");
        Assert.Equal(TransactionState.Aborted, h["n2"].Machine!.Records.Single(r => r.Transaction.Id == id).State);
        Assert.False(h["n2"].AnyGateClosed, $"n2 still blocks I/O{Environment.NewLine}{h.Trace}");
        h.AssertNoViolations(output);
    }
}
