using System.Collections.Concurrent;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// The begin rides the first check round (ARCHITECTURE.md steps 3-6): one call to the coordinator that opens and checks,
/// one check per other member, one commit; a begin refused while the checks were out leaves the change aborted everywhere it was checked.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class BeginAndCheckTests(ITestOutputHelper output)
{
    [Fact]
    public void A_change_is_one_view_one_begin_and_check_on_the_master_one_check_per_other_member_and_one_commit()
    {
        var h = new SimHarness(4).Boot();
        var master = h.Master!.Name;
        var calls = new ConcurrentQueue<(string Node, string Call)>();

        var outcome = h.Finish(h.Start(master, h.Workload.Create(master, "dg01", ["disk01"]),
            endpoints => endpoints.ToDictionary(e => e.Key, e => (IVmEndpoint)new CountingEndpoint(e.Value, calls))));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        var others = h.Sim.Nodes.Select(n => n.Name).Where(n => n != master).Order().ToList();
        Assert.Equal(["View", "Begin+Check", "Commit"], calls.Where(c => c.Node == master).Select(c => c.Call));
        Assert.Equal(others, calls.Where(c => c.Node != master).Select(c => c.Node).Order());
        Assert.All(calls.Where(c => c.Node != master), c => Assert.Equal("Check", c.Call));
        Assert.Equal(outcome.Transaction!.Id, h[master].Machine!.Records.Last().Transaction.Id);
        h.Settle();
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_begin_refused_while_the_checks_were_out_leaves_the_change_aborted_on_every_node_that_checked_it()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        var down = h.Sim.Nodes.First(n => n.Name != master).Name;
        var witness = h.Sim.Nodes.Single(n => n.Name != master && n.Name != down).Name;
        h.Sim.Crash(h[down]);
        h.RunUntil(() => h[master].Machine!.Members.Single(m => m.Name == down).State == MemberState.Down, what: $"{down} Down");

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));
        h.RunFor(TimeSpan.FromMilliseconds(100));   // the master's abort notice on its way

        Assert.Equal(ChangeStage.Begin, outcome.Stage);
        Assert.Contains(outcome.Failures, f => f.Node == down && f.ErrorId == ErrorIds.AgentNotRunning);
        var id = h[master].Machine!.Records.Last().Transaction.Id;
        foreach (var node in new[] { master, witness })
        {
            var record = h[node].Machine!.Records.Single(r => r.Transaction.Id == id);
            Assert.Equal(TransactionState.Aborted, record.State);
            Assert.Contains(down, record.FailedNodes);
        }
        Assert.All(h.Sim.Nodes, n => Assert.Equal(0, h.Generation(n.Name)));
        h.Settle();
        h.AssertNoViolations(output);
    }

    /// <summary>Each call the initiator makes, in the order made, per node.</summary>
    private sealed class CountingEndpoint(IVmEndpoint inner, ConcurrentQueue<(string Node, string Call)> calls) : DelegatingEndpoint(inner)
    {
        public override Task<ClusterView> GetViewAsync(CancellationToken ct) { calls.Enqueue((Node, "View")); return Inner.GetViewAsync(ct); }

        public override Task<ControlResponse> BeginAsync(BeginRequest request, CancellationToken ct)
        {
            calls.Enqueue((Node, request.Check ? "Begin+Check" : "Begin"));
            return Inner.BeginAsync(request, ct);
        }

        public override Task<NodeCheckResult> CheckAsync(Transaction transaction, CancellationToken ct) { calls.Enqueue((Node, "Check")); return Inner.CheckAsync(transaction, ct); }

        public override Task<ControlResponse> CommitAsync(string transactionId, CancellationToken ct) { calls.Enqueue((Node, "Commit")); return Inner.CommitAsync(transactionId, ct); }

        public override Task<ControlResponse> AbortAsync(AbortRequest request, CancellationToken ct) { calls.Enqueue((Node, "Abort")); return Inner.AbortAsync(request, ct); }
    }
}
