using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;
using static VolumeManager.Engine.Tests.Simulation.ScheduleSteps;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// The master's decision and its successor's commit are synced at the same time (the notice goes ahead of the
/// decision's sync): the successor opens its gate only on its own durable commit, and a master that restarts without
/// a durable decision asks its successor instead of aborting.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class DecisionAheadTests(ITestOutputHelper output)
{
    /// <summary>
    /// A three-node cluster at rest with a shared group holding a mirrored volume (at generation <see cref="Base"/>), and
    /// its roles: the master, the member it tells first, and the other one.
    /// </summary>
    private static (SimHarness H, string Master, string Successor, string Third) Cluster(int seed = 1)
    {
        var h = new SimHarness(3, seed).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.CreateShared(master, "dg01", "disk01", "disk02")).Succeeded);
        Assert.True(h.Finish(h.Start(master, h.Workload.Mirrored(master, "dg01"))).Succeeded);
        var successor = Successor(h);
        return (h, master, successor, h.Sim.Nodes.Single(n => n.Name != master && n.Name != successor).Name);
    }

    private const int Base = 2;

    /// <summary>
    /// The change the notice goes ahead for: removing a mirror, which the members cannot serve side by side with the old
    /// configuration, so they stay frozen from prepare to commit (a change they can serve so has its decision durable first).
    /// </summary>
    private static ChangeRun RemoveMirror(SimHarness h, string node) => h.Start(node, h.Workload.RemoveLastMirror(node, h[node].Machine!.Database.Find("dg01")!));

    /// <summary>The tested change's id: the last one the master coordinated.</summary>
    private static string LastOf(SimHarness h, string master) =>
        h[master].Journal.Last(r => r.Transaction.Coordinator == master).Transaction.Id;

    [Fact]
    public void The_successor_told_ahead_opens_its_gate_after_its_commit_is_durable_and_the_others_before_theirs()
    {
        var (h, master, successor, third) = Cluster();
        var order = new Dictionary<string, List<string>> { [successor] = RecordGates(h, successor), [third] = RecordGates(h, third) };
        var noticeAhead = false;
        h.Before(master, e => SendOf<CommitNotice>(e, successor), () => noticeAhead = true);

        var outcome = h.Finish(RemoveMirror(h, master));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.True(noticeAhead);
        Assert.Equal(["close", "committed", "open"], order[successor]);
        Assert.Equal(["close", "open", "committed"], order[third]);
        h.AssertNoViolations(output);
    }

    /// <summary>
    /// The master dies after its notice left and before its decision was durable. A frame sent before a crash may or
    /// may not arrive: the seeds where the successor got it are the ones this is about.
    /// </summary>
    [Fact]
    public void A_master_that_dies_before_its_decision_is_durable_learns_from_its_successor_that_it_committed()
    {
        var told = 0;
        for (var seed = 1; seed <= 8; seed++)
        {
            var (h, master, successor, third) = Cluster(seed);
            h.Before(master, e => e is PersistRecord { Record.Decided: true }, crash: true);

            var run = RemoveMirror(h, third);
            h.RunUntil(() => !h[master].Running, what: "the master dying before its decision is durable");
            var id = LastOf(h, master);
            Assert.DoesNotContain(h[master].Journal, r => r.Transaction.Id == id && r.Decided);
            h.RunFor(TimeSpan.FromMilliseconds(50));
            h.Sim.Restart(h[master]);
            h.Settle();

            var outcome = h.States(id)[successor];
            Assert.All(h.Sim.Nodes, n => Assert.Equal(outcome, h.States(id)[n.Name]));
            Assert.All(h.Sim.Nodes, n => Assert.Equal(outcome == TransactionState.Committed ? Base + 1 : Base, h.Generation(n.Name)));
            Assert.True(run.Done);
            h.AssertNoViolations(output);
            if (outcome == TransactionState.Committed) told++;
        }
        Assert.True(told > 0, "in some seed the successor got the notice before the master died");
    }

    [Fact]
    public void A_master_that_dies_before_its_notice_left_is_told_by_its_successor_that_it_aborted()
    {
        var (h, master, successor, third) = Cluster();
        h.Before(master, e => SendOf<CommitNotice>(e, successor), crash: true);

        var run = RemoveMirror(h, third);
        h.RunUntil(() => !h[master].Running, what: "the master dying before its commit notice");
        h.Sim.Restart(h[master]);
        h.Settle();

        var id = LastOf(h, master);
        Assert.All(h.Sim.Nodes, n => Assert.Equal(TransactionState.Aborted, h.States(id)[n.Name]));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(Base, h.Generation(n.Name)));
        Assert.True(run.Done);
        h.AssertNoViolations(output);
    }
}
