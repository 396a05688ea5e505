using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// Nothing resends an abort: a member the master counts Down when it aborts (slow, not gone) is still told, so
/// its record of the change does not stay open for good.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class AbortNoticeTests(ITestOutputHelper output)
{
    [Fact]
    public void A_member_that_is_Down_when_the_master_aborts_still_learns_the_abort()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        var slow = h.Sim.Nodes.First(n => n.Name != master).Name;
        var proposal = h.Workload.Create(master, "dg01", ["disk01"]);
        var checkOnly = new Proposal { Scope = proposal.Scope, Node = proposal.Node, Initiator = proposal.Initiator, Operations = proposal.Operations, CheckOnly = true };
        var run = h.Start(master, checkOnly, endpoints => endpoints.ToDictionary(e => e.Key,
            e => e.Key == master ? new AbortWhenDown(e.Value, h, slow) : e.Value));

        var outcome = h.Finish(run);
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.Equal(MemberState.Down, h.Master!.Machine!.Members.Single(m => m.Name == slow).State);
        h.Sim.Network.Heal();

        var id = outcome.Transaction!.Id;
        h.RunUntil(() => h.States(id).GetValueOrDefault(slow) == TransactionState.Aborted, what: $"{slow} to record the abort of {id}");
        h.Settle();
        h.AssertNoViolations(output);
    }

    /// <summary>The master's endpoint: the withdrawal of the checked change waits until the slow member's frames are held and the master counts it Down.</summary>
    private sealed class AbortWhenDown(IVmEndpoint inner, SimHarness h, string slow) : DelegatingEndpoint(inner)
    {
        public override async Task<ControlResponse> AbortAsync(AbortRequest request, CancellationToken ct)
        {
            h.Sim.Network.Partition([slow], resetConnections: false);
            await Task.Delay(h.Protocol.DownAfter * 2, h.Sim.Time, ct);
            return await Inner.AbortAsync(request, ct);
        }
    }
}
