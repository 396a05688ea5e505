using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// An administrator stops a change (Ctrl+C, Stop-Job): before the commit is asked for, the open transaction is
/// aborted at once and the cluster takes the next change; once the commit is the master's, the master finishes it.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class StoppedChangeTests(ITestOutputHelper output)
{
    [Fact]
    public void A_change_stopped_during_its_checks_is_aborted_on_the_master_and_the_next_change_is_not_refused_as_busy()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        var slave = h.Sim.Nodes.First(n => n.Name != master).Name;
        using var stop = new CancellationTokenSource();
        var run = h.Start(master, h.Workload.Create(master, "dg01", ["disk01"]),
            endpoints => Wrap(endpoints, slave, inner => new StoppingEndpoint(inner, stop, atCommit: false)), stop.Token);

        h.RunUntil(() => run.Done, what: "the stopped change to end");

        Assert.True(run.Task.IsCanceled);
        var id = MastersLast(h).Transaction.Id;
        Assert.Equal(TransactionState.Aborted, MastersLast(h).State);
        Assert.Contains("stopped by admin@" + master, MastersLast(h).Error);
        Assert.Null(h.Master!.Machine!.Active);
        var next = h.Finish(h.CreateShared(master, "dg02", "disk02"));
        Assert.True(next.Succeeded, string.Join("; ", next.Failures.Select(f => $"{f.ErrorId}: {f.Reason}")));
        h.Settle();
        Assert.All(h.Sim.Nodes, n => Assert.NotEqual(TransactionState.Committed, h.States(id).GetValueOrDefault(n.Name)));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_change_stopped_once_its_commit_was_asked_for_is_finished_by_the_master()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        using var stop = new CancellationTokenSource();
        var run = h.Start(master, h.Workload.Create(master, "dg01", ["disk01"]),
            endpoints => Wrap(endpoints, master, inner => new StoppingEndpoint(inner, stop, atCommit: true)), stop.Token);

        h.RunUntil(() => run.Done, what: "the stopped change to end");
        h.Settle();

        Assert.True(run.Task.IsCanceled);
        var id = MastersLast(h).Transaction.Id;
        Assert.All(h.Sim.Nodes, n => Assert.Equal(TransactionState.Committed, h.States(id)[n.Name]));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    private static TransactionRecord MastersLast(SimHarness h) => h.Master!.Machine!.Records.Last(r => r.Transaction.Scope == TransactionScope.Shared);

    private static Dictionary<string, IVmEndpoint> Wrap(IReadOnlyDictionary<string, IVmEndpoint> endpoints, string node, Func<IVmEndpoint, IVmEndpoint> wrap) =>
        endpoints.ToDictionary(e => e.Key, e => e.Key == node ? wrap(e.Value) : e.Value);

    /// <summary>
    /// A node's endpoint at the moment the administrator stops the change: the stop lands while its check (or the
    /// master's commit call, which has already reached the master) is out, and the call ends as a stopped pipeline does.
    /// </summary>
    private sealed class StoppingEndpoint(IVmEndpoint inner, CancellationTokenSource stop, bool atCommit) : DelegatingEndpoint(inner)
    {
        public override async Task<NodeCheckResult> CheckAsync(Transaction transaction, CancellationToken ct)
        {
            if (atCommit) return await Inner.CheckAsync(transaction, ct);
            await stop.CancelAsync();
            throw new OperationCanceledException(ct);
        }

        public override async Task<ControlResponse> CommitAsync(string transactionId, CancellationToken ct)
        {
            if (!atCommit) return await Inner.CommitAsync(transactionId, ct);
            _ = Inner.CommitAsync(transactionId, CancellationToken.None);
            await stop.CancelAsync();
            throw new OperationCanceledException(ct);
        }
    }
}
