using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;
using static VolumeManager.Engine.Tests.Simulation.ScheduleSteps;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// A decided change whose successor dies: the master passes it over in succession instead of waiting for its
/// eviction, so every other member's I/O reopens within a fraction of the failure timeout — and the seed's rule
/// (if the member that takes over was not told, no one was) holds when the master dies too, at every step.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class SuccessionTests(ITestOutputHelper output)
{
    /// <summary>The steps of the successor's commit it may die before, and of the master's notices it may die before.</summary>
    public static TheoryData<string, string> SuccessorAndMasterSteps()
    {
        var data = new TheoryData<string, string>();
        foreach (var successor in SuccessorSteps.Keys)
            foreach (var master in MasterSteps.Keys)
                data.Add(successor, master);
        return data;
    }

    private static readonly Dictionary<string, Func<Effect, bool>> SuccessorSteps = new()
    {
        ["persist database"] = e => e is PersistDatabase,
        ["persist Committed"] = e => e is PersistRecord { Record.State: TransactionState.Committed },
        ["send CommitAck"] = e => SendOf<CommitAck>(e),
    };

    /// <summary>What the master dies before, once the successor is dead; "none": it lives.</summary>
    private static readonly Dictionary<string, Func<Effect, string, bool>> MasterSteps = new()
    {
        ["none"] = (_, _) => false,
        ["broadcast passing over"] = (e, _) => SendOf<MembershipUpdate>(e),
        ["notice to the new successor"] = (e, next) => SendOf<CommitNotice>(e, next),
        ["notice to the rest"] = (e, next) => e is Send { Message: CommitNotice } s && s.To != next,
        ["reply"] = (e, _) => e is Reply,
    };

    [Fact]
    public void A_dead_successor_is_passed_over_and_the_others_reopen_io_long_before_the_failure_timeout()
    {
        var h = new SimHarness(4).Boot();
        var master = h.Master!.Name;
        var successor = Successor(h);
        var decidedAt = TimeSpan.Zero;
        h.Before(master, e => e is PersistRecord { Record.Decided: true }, () => decidedAt = h.Sim.Elapsed);
        h.Before(successor, e => e is PersistRecord { Record.State: TransactionState.Committed }, crash: true);

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        var healthy = h.Sim.Nodes.Where(n => n.Running).ToList();
        Assert.Equal(3, healthy.Count);
        Assert.All(healthy, n => Assert.Equal(1, h.Generation(n.Name)));
        Assert.All(healthy, n => Assert.False(n.AnyGateClosed, $"{n.Name} still blocks I/O"));
        var frozen = h.Sim.Elapsed - decidedAt;
        output.WriteLine($"decided at {decidedAt.TotalMilliseconds:0} ms; every healthy node committed and reopened I/O {frozen.TotalMilliseconds:0} ms later (failure timeout {h.Protocol.FailureTimeout.TotalMilliseconds:0} ms)");
        Assert.True(frozen < h.Protocol.FailureTimeout / 2, $"I/O stayed frozen {frozen.TotalMilliseconds:0} ms after the decision");
        Assert.True(h[master].Machine!.Members.Single(m => m.Name == successor).State is MemberState.Down, "the dead successor is still a member, Down");

        h.Settle(); // the successor's agent returns: it takes the commit
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_successor_that_does_not_acknowledge_in_time_is_passed_over_and_does_not_take_over_later()
    {
        var h = new SimHarness(4).Boot();
        var master = h.Master!.Name;
        var successor = Successor(h);
        // The successor is cut off from the master alone, connections held: it stays alive and hears the others.
        h.Before(master, e => SendOf<CommitNotice>(e, successor), () => h.Sim.Network.CutBetween(master, successor));

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.All(h.Sim.Nodes.Where(n => n.Name != successor), n => Assert.Equal(1, h.Generation(n.Name)));
        h.Sim.Crash(h[master]); // the master dies while the successor it passed over is still cut off from it
        h.Sim.Network.Heal();
        h.Settle();
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    /// <summary>
    /// Five nodes. The successor is cut off from the master, and the member the master then tells first hears no
    /// one but the master; the master dies once that member committed. The cut-off successor still hears a majority
    /// (itself and the two members in doubt, who cannot learn the outcome either), but they speak at a newer epoch
    /// than it knows: it must not take over on its stale view and abort what the new successor committed.
    /// </summary>
    [Fact]
    public void A_passed_over_successor_with_a_stale_view_does_not_take_over_and_abort_a_commit()
    {
        var h = new SimHarness(5).Boot();
        var master = h.Master!.Name;
        var ranked = h.Master.Machine!.Members.Where(m => m.Name != master).OrderBy(m => m.Rank).Select(m => m.Name).ToList();
        var (successor, next) = (ranked[0], ranked[1]);
        h.Before(master, e => e is PersistRecord { Record.Decided: true }, () =>
        {
            h.Sim.Network.CutBetween(master, successor);
            foreach (var other in ranked.Where(n => n != next)) h.Sim.Network.CutBetween(next, other);
            h.Before(master, e => e is Send { Message: CommitNotice } s && s.To != next && s.To != successor, crash: true);
        });

        var run = h.CreateShared(master, "dg01", "disk01");
        h.RunUntil(() => !h[master].Running, TimeSpan.FromSeconds(20), "the master dying after the new successor committed");
        Assert.Equal(TransactionState.Committed, h[next].LastState(h[next].Journal.Last().Transaction.Id));
        h.RunUntil(() => h[successor].Machine is { IsMaster: true } or { Phase: NodePhase.Discovering }, h.Protocol.FailureTimeout * 3,
            $"{successor} taking over or looking for the cluster again");
        Assert.False(h[successor].Machine!.IsMaster, $"{successor} took over on a stale view");
        h.Sim.Network.Heal();
        h.Settle(TimeSpan.FromSeconds(60));
        h.RunUntil(() => run.Done, TimeSpan.FromSeconds(60), "the initiator returning");

        var id = h[next].Journal.Last().Transaction.Id;
        Assert.All(h.Sim.Nodes, n => Assert.Equal(TransactionState.Committed, h.States(id)[n.Name]));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    /// <summary>
    /// Five nodes (chaos seed 1568): the successor writes the commit and dies before it acknowledges; the master passes
    /// it over and dies before it tells the next member. The next member takes over with the other two, a majority, and
    /// must not abort what the successor committed (it returns with the commit): the master said, when it passed the
    /// successor over, that it had decided.
    /// </summary>
    [Fact]
    public void The_member_that_takes_over_after_a_successor_was_passed_over_commits_the_change()
    {
        var h = new SimHarness(5).Boot();
        var master = h.Master!.Name;
        var successor = Successor(h);
        var next = h.Master.Machine!.Members.Where(m => m.Name != master && m.Name != successor).OrderBy(m => m.Rank).First().Name;
        h.Before(successor, e => e is PersistRecord { Record.State: TransactionState.Committed },
            () => h.Before(master, e => SendOf<CommitNotice>(e, next), crash: true), crash: true);

        var run = h.CreateShared(master, "dg01", "disk01");
        h.RunUntil(() => h[next].Machine is { IsMaster: true }, h.Protocol.FailureTimeout * 3, $"{next} taking over");
        var id = h[master].Journal.First(r => r.Decided).Transaction.Id;
        Assert.NotEqual(TransactionState.Aborted, h[next].LastState(id));   // committing: its groups may still be draining for the switch
        h.Settle(TimeSpan.FromSeconds(60));
        h.RunUntil(() => run.Done, TimeSpan.FromSeconds(60), "the initiator returning");

        Assert.All(h.Sim.Nodes, n => Assert.Equal(TransactionState.Committed, h.States(id)[n.Name]));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_master_known_dead_is_taken_over_long_before_the_failure_timeout_and_the_initiator_hears_at_once()
    {
        var h = new SimHarness(4).Boot();
        var master = h.Master!.Name;
        var successor = Successor(h);
        var diedAt = TimeSpan.Zero;
        h.Before(master, e => SendOf<CommitNotice>(e, successor), () => diedAt = h.Sim.Elapsed, crash: true);

        var outcome = h.Finish(h.CreateShared(successor, "dg01", "disk01"));

        var returned = h.Sim.Elapsed - diedAt;
        output.WriteLine($"the master died at {diedAt.TotalMilliseconds:0} ms; the initiator returned {returned.TotalMilliseconds:0} ms later (failure timeout {h.Protocol.FailureTimeout.TotalMilliseconds:0} ms)");
        Assert.False(outcome.Succeeded);
        Assert.Contains(outcome.Failures, f => f.Node == master && f.ErrorId == Checks.ErrorIds.MasterChanged);
        Assert.True(returned < h.Protocol.FailureTimeout, $"the initiator returned {returned.TotalMilliseconds:0} ms after the master died");
        Assert.Equal(successor, h.Master?.Name);
        h.Settle();
        h.AssertNoViolations(output);
    }

    [Theory]
    [MemberData(nameof(SuccessorAndMasterSteps))]
    public void Successor_death_at_every_step_with_the_master_dying_after_keeps_every_invariant(string successorStep, string masterStep)
    {
        var h = new SimHarness(4).Boot();
        var master = h.Master!.Name;
        var successor = Successor(h);
        var next = h.Master.Machine!.Members.Where(m => m.Name != master && m.Name != successor).OrderBy(m => m.Rank).First().Name;
        var diesBefore = MasterSteps[masterStep];
        h.Before(successor, SuccessorSteps[successorStep], () => h.Before(master, e => diesBefore(e, next), crash: true), crash: true);

        var run = h.CreateShared(master, "dg01", "disk01");
        h.RunUntil(() => run.Done || !h[master].Running, TimeSpan.FromSeconds(60), "the change ending or its master dying");
        h.Settle(TimeSpan.FromSeconds(60));
        h.RunUntil(() => run.Done, TimeSpan.FromSeconds(60), "the initiator returning");

        var id = run.Outcome?.Transaction?.Id ?? h[master].Journal.First(r => r.Decided).Transaction.Id;
        var states = h.States(id).Values.Distinct().ToList();
        output.WriteLine($"successor {successor} dies before {successorStep}, master {master} before {masterStep}: {string.Join(", ", h.States(id).Select(s => $"{s.Key} {s.Value}"))}");
        Assert.Single(states);
        var generation = states[0] == TransactionState.Committed ? 1 : 0;
        Assert.All(h.Sim.Nodes, n => Assert.Equal(generation, h.Generation(n.Name)));
        Assert.Equal(run.Outcome!.Succeeded, states[0] == TransactionState.Committed);
        h.AssertNoViolations(output);
    }
}
