using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;
using static VolumeManager.Engine.Tests.Simulation.ScheduleSteps;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>One schedule per rule of docs/ARCHITECTURE.md "Failures and joins", run in the simulator with the real initiator.</summary>
[Trait("Category", "Simulation")]
public sealed class FailureRuleTests(ITestOutputHelper output)
{
    private static SimHarness Cluster(int nodes, params string[] boot) => new SimHarness(nodes).Boot(boot);

    /// <summary>A member's prepare is durable while its I/O still flows: its fsync is in no one's freeze.</summary>
    [Fact]
    public void A_member_makes_its_prepare_durable_before_it_closes_its_gate()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var member = h.Sim.Nodes.First(n => n.Name != master);
        TransactionState? durable = null;
        var gateOpen = false;
        h.Before(member.Name, e => e is Quiesce, () =>
        {
            durable = member.Journal.LastOrDefault()?.State;
            gateOpen = !member.AnyGateClosed;
        });

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));

        Assert.True(outcome.Succeeded);
        Assert.Equal(TransactionState.Prepared, durable);
        Assert.True(gateOpen);
        h.AssertNoViolations(output);
    }

    /// <summary>A member killed after its prepare is durable but before it has drained and answered: the change aborts everywhere, the member too once back.</summary>
    [Fact]
    public void A_member_that_dies_while_it_drains_after_its_durable_prepare_leaves_the_change_aborted_everywhere()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var victim = h.Sim.Nodes.First(n => n.Name != master).Name;
        h.Before(victim, e => e is Quiesce, crash: true);

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));

        Assert.False(outcome.Succeeded);
        Assert.Contains(outcome.Failures, f => f.Node == victim);
        h.Settle();
        Assert.All(h.States(outcome.Transaction!.Id).Values, s => Assert.Equal(TransactionState.Aborted, s));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(0, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void An_agent_that_goes_away_before_the_decision_fails_the_change_everywhere_and_no_generation_moves()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var victim = h.Sim.Nodes.First(n => n.Name != master).Name;
        h.Before(victim, e => SendOf<Prepared>(e), crash: true);

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));

        Assert.False(outcome.Succeeded);
        Assert.Contains(outcome.Failures, f => f.Node == victim && f.ErrorId == ErrorIds.AgentWentAway);
        var id = outcome.Transaction!.Id;
        // Every node is notified: the abort reaches every running member.
        h.RunUntil(() => h.Sim.Nodes.Where(n => n.Running).All(n => h.States(id).GetValueOrDefault(n.Name) == TransactionState.Aborted), TimeSpan.FromSeconds(1), "the abort reaching every member");
        Assert.All(h.Sim.Nodes, n => Assert.Equal(0, h.Generation(n.Name)));

        h.Settle(); // the agent comes back: it settles what it prepared from the master, and takes nothing else
        Assert.Equal(TransactionState.Aborted, h.States(id)[victim]);
        Assert.All(h.Sim.Nodes, n => Assert.Equal(0, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_node_that_leaves_before_the_master_committed_fails_the_change()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var leaver = h.Sim.Nodes.First(n => n.Name != master).Name;
        // The node leaves as soon as the transaction is open (before anyone prepared).
        h.Before(master, e => e is Reply { Response.Transaction: not null }, () => _ = h.Sim.Request(leaver, new LeaveRequest()));

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));

        Assert.False(outcome.Succeeded);
        Assert.Contains(outcome.Failures, f => f.Node == leaver && f.ErrorId is ErrorIds.NodeLeft or ErrorIds.AgentNotRunning);
        Assert.DoesNotContain(TransactionState.Committed, h.States(outcome.Transaction!.Id).Values);
        Assert.All(h.Sim.Nodes, n => Assert.Equal(0, h.Generation(n.Name)));
        Assert.Equal(MemberState.Left, h[master].Machine!.Members.Single(m => m.Name == leaver).State);
        h.Settle();
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_node_that_leaves_after_the_master_committed_does_not_fail_the_change()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var leaver = h.Sim.Nodes.First(n => n.Name != master && n.Name != Successor(h)).Name;
        h.Before(master, e => e is PersistRecord { Record.Decided: true }, () => _ = h.Sim.Request(leaver, new LeaveRequest()));

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        foreach (var node in h.Sim.Nodes.Where(n => n.Name != leaver)) Assert.Equal(1, h.Generation(node.Name));
        h.Settle(); // the node that left is added again: it takes the master's configuration
        Assert.Equal(1, h.Generation(leaver));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void When_the_master_leaves_after_notifying_its_successor_the_successor_completes_the_change()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var successor = Successor(h);
        var third = h.Sim.Nodes.Single(n => n.Name != master && n.Name != successor).Name;
        // The successor has acknowledged; the master dies just before telling the third node.
        h.Before(master, e => SendOf<CommitNotice>(e, third), crash: true);

        var outcome = h.Finish(h.CreateShared(successor, "dg01", "disk01"));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.Contains(outcome.Warnings, w => w.Node == master && w.ErrorId == ErrorIds.MasterChanged);
        h.RunUntil(() => h.Master?.Name == successor && h.States(outcome.Transaction!.Id).GetValueOrDefault(third) == TransactionState.Committed,
            TimeSpan.FromSeconds(15), "the successor taking over and completing the change");
        Assert.Equal(TransactionState.Committed, h.States(outcome.Transaction!.Id)[third]);
        Assert.Equal(1, h.Generation(successor));
        Assert.Equal(1, h.Generation(third));
        h.Settle(); // the old master returns as a slave and takes the configuration
        Assert.Equal(1, h.Generation(master));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void When_the_master_leaves_before_notifying_its_successor_the_successor_fails_the_change()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var successor = Successor(h);
        h.Before(master, e => SendOf<CommitNotice>(e, successor), crash: true);

        var outcome = h.Finish(h.CreateShared(successor, "dg01", "disk01"));

        Assert.False(outcome.Succeeded);
        Assert.Contains(outcome.Failures, f => f.Node == master && f.ErrorId == ErrorIds.MasterChanged);
        h.RunUntil(() => h.Master?.Name == successor && h.Sim.Nodes.Where(n => n.Running).All(n => h.States(outcome.Transaction!.Id)[n.Name] == TransactionState.Aborted),
            TimeSpan.FromSeconds(15), "the successor taking over and failing the change");
        Assert.All(h.Sim.Nodes.Where(n => n.Running), n => Assert.Equal(TransactionState.Aborted, h.States(outcome.Transaction!.Id)[n.Name]));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(0, h.Generation(n.Name)));
        h.Settle(); // the old master returns without a durable decision, asks its successor, learns the abort and takes the configuration
        Assert.Equal(TransactionState.Aborted, h.States(outcome.Transaction!.Id)[master]);
        Assert.All(h.Sim.Nodes, n => Assert.Equal(0, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    /// <summary>
    /// Both slaves were evicted and admitted again, each a new voter until a majority holds the epoch that admitted it: the
    /// first of them counts its master among that majority (the master's heartbeats name itself master), so when the
    /// master dies before telling it of a decision, it still takes over with the third node and fails the change.
    /// </summary>
    [Fact]
    public void A_successor_added_again_as_a_new_voter_takes_over_when_the_master_dies_before_notifying_it()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        foreach (var slave in new[] { Successor(h), Successor(h) == "n2" ? "n3" : "n2" })
        {
            h.Sim.Crash(h[slave]);
            h.RunUntil(() => h[master].Machine!.Members.Single(m => m.Name == slave).State == MemberState.Left, TimeSpan.FromSeconds(30), $"{slave} evicted");
            h.Settle(); // restarted, and admitted again at the end of the order of succession
        }
        var successor = Successor(h);
        h.Before(master, e => SendOf<CommitNotice>(e, successor), crash: true);

        var outcome = h.Finish(h.CreateShared(successor, "dg01", "disk01"));

        Assert.Contains(outcome.Failures, f => f.Node == master && f.ErrorId == ErrorIds.MasterChanged);
        h.RunUntil(() => h.Master?.Name == successor && h.Sim.Nodes.Where(n => n.Running).All(n => h.States(outcome.Transaction!.Id)[n.Name] == TransactionState.Aborted),
            TimeSpan.FromSeconds(5), "the successor taking over and failing the change");
        h.Settle();
        h.AssertNoViolations(output);
    }

    /// <summary>
    /// The blocking case of two-phase commit: the master makes its decision durable and dies, its successor's agent
    /// stops before it applies the notice (sent ahead of the decision's sync), and the cluster forms again around the
    /// third node, which was never part of the change. The old master, back as a slave, hands its decision on:
    /// successor first, then everyone.
    /// </summary>
    [Fact]
    public void A_master_that_decided_and_comes_back_as_a_slave_carries_its_decision_through()
    {
        var h = Cluster(3, "n2", "n3");
        Assert.Equal("n2", h.Master!.Name);
        h.Before("n2", e => e is Log l && l.Text.StartsWith("notifying successor", StringComparison.Ordinal), crash: true);
        h.Before("n3", e => e is PersistDatabase { Database.Generation: 1 }, crash: true);
        var run = h.CreateShared("n3", "dg01", "disk01");
        h.RunUntil(() => !h["n2"].Running, what: "the master dying once its decision is durable");
        if (h["n3"].Running) h.Sim.Crash(h["n3"]);   // the notice it was sent may still be on its way, or lost
        h["n3"].CrashBefore = null;

        h.Settle(); // all three start together: n1, first in the definition, forms the cluster

        Assert.Equal("n1", h.Master!.Name);
        var id = run.Outcome?.Transaction?.Id ?? h["n2"].Journal.First(r => r.Decided).Transaction.Id;
        Assert.Equal(TransactionState.Committed, h.States(id)["n2"]);
        Assert.Equal(TransactionState.Committed, h.States(id)["n3"]);
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    /// <summary>
    /// A master alone in its membership (the old master gone, the third node left) decides a change and dies before
    /// applying it; the cluster forms again around the old master. Back as a slave, the coordinator was the change's
    /// only member: no one else prepared it, so it commits it and tells every member.
    /// </summary>
    [Fact]
    public void A_master_that_decided_a_change_it_was_the_only_member_of_commits_it_when_back_as_a_slave()
    {
        var h = Cluster(3);
        Assert.Equal("n1", h.Master!.Name);
        h.Sim.Crash(h["n1"]);
        h.RunUntil(() => h.Master?.Name == "n2", TimeSpan.FromSeconds(20), "n2 taking over");
        _ = h.Sim.Request("n3", new LeaveRequest());
        h.RunUntil(() => h["n2"].Machine!.Members.Single(m => m.Name == "n3").State == MemberState.Left, what: "n3 leaving");
        h.Before("n2", e => e is PersistDatabase { Database.Generation: 1 }, crash: true);
        var run = h.CreateShared("n2", "dg01", "disk01");
        h.RunUntil(() => !h["n2"].Running, what: "n2 dying before it applies its decision");
        Assert.Equal(["n2"], h["n2"].Journal.First(r => r.Decided).Transaction.Members);

        h.Settle(); // all three start together: n1, first in the definition, forms the cluster

        Assert.Equal("n1", h.Master!.Name);
        Assert.True(run.Outcome!.Succeeded, string.Join("; ", run.Outcome.Failures.Select(f => f.Reason)));
        Assert.Contains(run.Outcome.Warnings, w => w.ErrorId == ErrorIds.MasterChanged && w.Reason.EndsWith("completed it when its agent returned."));
        var id = h["n2"].Journal.First(r => r.Decided).Transaction.Id;
        Assert.Equal(TransactionState.Committed, h.States(id)["n2"]);
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    /// <summary>
    /// A master's answer to a join request is held in a connection and arrives only when the node, having committed
    /// since, asks to join again: the node keeps its newer configuration (taking the older one would lose a commit).
    /// </summary>
    [Fact]
    public void A_late_join_answer_older_than_the_nodes_configuration_is_ignored()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var node = h.Sim.Nodes.First(n => n.Name != master).Name;
        h.Sim.Crash(h[node]);
        JoinAccepted? held = null;
        h[master].CrashBefore = e => { if (e is Send { Message: JoinAccepted a } s && s.To == node) held ??= a; return false; };
        h.Sim.Start(h[node]);
        h.RunUntil(() => held is not null && h[node].Machine is { Phase: NodePhase.Joined }, what: $"{node} joining again");
        h[master].CrashBefore = null;
        Assert.True(h.Finish(h.CreateShared(master, "dg01", "disk01")).Succeeded);
        Assert.Equal(1, h.Generation(node));

        h.Sim.Crash(h[node]);
        h.Before(node, e => SendOf<JoinRequest>(e), () => h.Sim.At(TimeSpan.Zero, () => h.Sim.Feed(h[node], new Received(h.Sim.Now, held!))));
        h.Sim.Start(h[node]);
        h.Settle();

        Assert.Equal(1, h.Generation(node));
        h.AssertNoViolations(output);
    }

    /// <summary>
    /// The old master's decision reaches the member in doubt late: its commit notices were held in a connection while
    /// the cluster, formed around a node that never saw the change, evicted it and committed another change on the
    /// same base. The member does not apply the late notice (the history would fork); the change is aborted instead.
    /// </summary>
    [Fact]
    public void A_commit_notice_for_a_base_the_member_has_passed_is_not_applied()
    {
        var h = Cluster(3, "n2", "n3");
        h.Before("n2", e => e is Log l && l.Text.StartsWith("notifying successor", StringComparison.Ordinal), crash: true);
        h.Before("n3", e => e is PersistDatabase { Database.Generation: 1 }, crash: true);
        _ = h.CreateShared("n3", "dg01", "disk01");
        h.RunUntil(() => !h["n2"].Running, what: "the master dying once its decision is durable");
        if (h["n3"].Running) h.Sim.Crash(h["n3"]);   // the notice it was sent may still be on its way, or lost
        h["n3"].CrashBefore = null;
        h.Sim.Start(h["n1"]);
        h.Sim.Start(h["n3"]);
        h.RunUntil(() => h.Master?.Name == "n1" && h["n3"].Machine is { Phase: NodePhase.Joined }, what: "n1 forming the cluster with n3");
        // n2 comes back as a slave; its notices to n3 are held from the first one on.
        h.Before("n2", e => SendOf<CommitNotice>(e, "n3"), () => h.Sim.Network.Partition(["n2"], resetConnections: false));
        h.Sim.Start(h["n2"]);
        h.RunUntil(() => h["n1"].Machine!.Members.Single(m => m.Name == "n2").State == MemberState.Left, what: "n2 evicted");
        Assert.True(h.Finish(h.CreateShared("n1", "dg02", "disk02")).Succeeded);

        h.Sim.Network.Heal();
        h.Settle();

        var id = h["n2"].Journal.First(r => r.Decided).Transaction.Id;
        Assert.All(h.States(id).Values, state => Assert.Equal(TransactionState.Aborted, state));
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_node_joining_before_prepare_suspends_the_change_which_checks_again_including_it()
    {
        var h = Cluster(4, "n1", "n2", "n3");
        var master = h.Master!.Name;
        var joined = new TaskCompletionSource();
        // The commit request waits until the new node has joined; the node starts once the transaction is open.
        h.Before(master, e => e is Reply { Response.Transaction: not null }, () => h.Sim.Start(h["n4"]));
        var run = h.Start(master, h.Workload.Create(master, "dg01", ["disk01"]), endpoints => endpoints.ToDictionary(
            e => e.Key, e => e.Key == master ? new HeldCommitEndpoint(e.Value, joined.Task) : e.Value));
        h.RunUntil(() => h["n4"].Machine is { Phase: NodePhase.Joined }, what: "n4 joining");
        Assert.Equal(CoordinationPhase.Open, h[master].Machine!.Active?.Phase); // no kernel involved yet
        h.Sim.Run(joined.SetResult);

        var outcome = h.Finish(run);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.Contains("n4", outcome.Transaction!.Members);
        Assert.Contains(outcome.Checks, c => c.Node == "n4" && c.Passed);
        Assert.All(h.Sim.Nodes, n => Assert.Equal(1, h.Generation(n.Name)));
        Assert.Equal(TransactionState.Committed, h.States(outcome.Transaction.Id)["n4"]);
        h.Settle();
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_node_joining_after_prepare_waits_until_the_change_is_complete()
    {
        var h = Cluster(4, "n1", "n2", "n3");
        var master = h.Master!.Name;
        long? generationAtJoin = null;
        h.Before(master, e => SendOf<Prepare>(e), () => h.Sim.Start(h["n4"]));
        h.Sim.Node(master).CrashBefore = Chain(h.Sim.Node(master).CrashBefore, e =>
        {
            if (SendOf<JoinAccepted>(e, "n4")) generationAtJoin ??= h.Generation(master);
            return false;
        });

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));
        h.RunUntil(() => h["n4"].Machine is { Phase: NodePhase.Joined }, what: "n4 joining");

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.DoesNotContain("n4", outcome.Transaction!.Members);
        Assert.Equal(1, generationAtJoin); // admitted only once the change had committed
        Assert.Equal(1, h.Generation("n4"));
        h.Settle();
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_member_whose_agent_is_down_fails_a_change_with_AgentNotRunning()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var down = h.Sim.Nodes.First(n => n.Name != master).Name;
        h.Sim.Crash(h[down]);
        h.RunUntil(() => h[master].Machine!.Members.Single(m => m.Name == down).State == MemberState.Down, what: $"{down} Down");

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));

        Assert.False(outcome.Succeeded);
        Assert.Equal(ChangeStage.Begin, outcome.Stage);
        Assert.Contains(outcome.Failures, f => f.Node == down && f.ErrorId == ErrorIds.AgentNotRunning);
        Assert.All(h.Sim.Nodes, n => Assert.Equal(0, h.Generation(n.Name)));
        h.Settle();
        h.AssertNoViolations(output);
    }

    [Fact]
    public void After_the_failure_timeout_a_silent_member_is_evicted_and_changes_proceed_without_it()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var gone = h.Sim.Nodes.First(n => n.Name != master).Name;
        h.Sim.Crash(h[gone]);
        h.RunUntil(() => h[master].Machine!.Members.Single(m => m.Name == gone).State == MemberState.Left, TimeSpan.FromSeconds(10), $"{gone} evicted");

        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.DoesNotContain(gone, outcome.Transaction!.Members);
        Assert.Equal(0, h.Generation(gone));
        h.Settle();
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_node_that_restarts_takes_the_masters_configuration()
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        var returning = h.Sim.Nodes.First(n => n.Name != master).Name;
        h.Sim.Crash(h[returning]);
        h.RunUntil(() => h[master].Machine!.Members.Single(m => m.Name == returning).State == MemberState.Left, TimeSpan.FromSeconds(10), "eviction");
        Assert.True(h.Finish(h.CreateShared(master, "dg01", "disk01")).Succeeded);
        Assert.True(h.Finish(h.CreateShared(master, "dg02", "disk02")).Succeeded);

        h.Sim.Start(h[returning]);
        h.Settle();

        Assert.Equal(2, h.Generation(returning));
        Assert.Equal(h[master].Machine!.Database.Shared.Select(g => g.Name), h[returning].Machine!.Database.Shared.Select(g => g.Name));
        Assert.Equal(Serialization.DatabaseYaml.SharedHash(h[master].Machine!.Database), Serialization.DatabaseYaml.SharedHash(h[returning].Machine!.Database));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void A_partition_side_without_a_majority_commits_nothing()
    {
        var h = Cluster(5);
        var master = h.Master!.Name;
        var majority = h.Sim.Nodes.Where(n => n.Name != master).Select(n => n.Name).ToList();
        h.Sim.Network.Partition([master], resetConnections: false);
        h.RunUntil(() => h[master].Machine!.Members.Count(m => m.State == MemberState.Down) >= 3, what: "the master seeing the others Down");

        var minority = h.Finish(h.CreateShared(master, "dg01", "disk01"));

        Assert.False(minority.Succeeded);
        Assert.Contains(minority.Failures, f => f.ErrorId == ErrorIds.NoQuorum);
        // The majority side elects the successor and goes on.
        h.RunUntil(() => majority.All(n => h[n].Machine!.Master is { } m && m != master), TimeSpan.FromSeconds(15), "a new master on the majority side");
        var newMaster = h[majority[0]].Machine!.Master!;
        var outcome = h.Finish(h.CreateShared(newMaster, "dg02", "disk02"));
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        Assert.Equal(0, h.Generation(master));
        Assert.DoesNotContain(h[master].Journal, r => r.State == TransactionState.Committed);

        h.Sim.Network.Heal();
        h.Settle();
        Assert.Equal(1, h.Generation(master)); // the old master rejoins and takes the majority's configuration
        h.AssertNoViolations(output);
    }

    public static IEnumerable<object[]> Steps() => new[]
    {
        "send Prepare", "quiesce", "persist Prepared", "send Prepared", "persist decision", "send CommitNotice",
        "send CommitAck", "persist database", "persist Committed", "write disk copies", "reply",
    }.SelectMany(step => new[] { new object[] { step, false }, new object[] { step, true } });

    /// <summary>The master dies just before each step of a change; it comes back at once, or only after the others have moved on.</summary>
    [Theory]
    [MemberData(nameof(Steps))]
    public void The_master_dying_at_any_step_keeps_every_invariant(string step, bool late)
    {
        var h = Cluster(3);
        var master = h.Master!.Name;
        h.Before(master, StepMatcher(step), crash: true);
        var run = h.CreateShared(h.Sim.Nodes.First(n => n.Name != master).Name, "dg01", "disk01");
        h.RunUntil(() => !h[master].Running || run.Done, what: "the crash");
        if (!h[master].Running) h.RunFor(late ? h.Protocol.FailureTimeout * 2 : TimeSpan.FromMilliseconds(100));
        h.Settle();
        Assert.True(run.Done);
        // Whatever the outcome, it is the same everywhere.
        var id = run.Outcome?.Transaction?.Id;
        if (id is not null && h.States(id).Values.Distinct().Count() != 1) output.WriteLine(h.Trace);
        if (id is not null) Assert.Single(h.States(id).Values.Distinct());
        h.AssertNoViolations(output);
    }

    /// <summary>A fourth node starts just before each step of the master: before prepare it is taken into the change, after prepare it waits.</summary>
    [Theory]
    [MemberData(nameof(Steps))]
    public void A_node_joining_at_any_step_keeps_every_invariant(string step, bool secondChange)
    {
        var h = Cluster(4, "n1", "n2", "n3");
        var master = h.Master!.Name;
        h.Before(master, StepMatcher(step), () => h.Sim.Start(h["n4"]));
        var outcome = h.Finish(h.CreateShared(master, "dg01", "disk01"));
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        if (secondChange)
        {
            h.RunUntil(() => h["n4"].Machine is { Phase: NodePhase.Joined }, what: "n4 joining");
            Assert.True(h.Finish(h.CreateShared("n4", "dg02", "disk02")).Succeeded);
        }
        h.Settle();
        Assert.All(h.Sim.Nodes, n => Assert.Equal(secondChange ? 2 : 1, h.Generation(n.Name)));
        h.AssertNoViolations(output);
    }

    private static Func<Effect, bool> StepMatcher(string step) => step switch
    {
        "send Prepare" => e => SendOf<Prepare>(e),
        "quiesce" => e => e is Quiesce,
        "persist Prepared" => e => e is PersistRecord { Record: { State: TransactionState.Prepared, Decided: false } },
        "send Prepared" => e => SendOf<Prepared>(e),
        "persist decision" => e => e is PersistRecord { Record: { State: TransactionState.Prepared, Decided: true } },
        "send CommitNotice" => e => SendOf<CommitNotice>(e),
        "send CommitAck" => e => SendOf<CommitAck>(e),
        "persist database" => e => e is PersistDatabase,
        "persist Committed" => e => e is PersistRecord { Record.State: TransactionState.Committed },
        "write disk copies" => e => e is WriteDiskCopies,
        "reply" => e => e is Reply { Response.Record: not null },
        _ => throw new ArgumentOutOfRangeException(nameof(step)),
    };

    private static Func<Effect, bool> Chain(Func<Effect, bool>? first, Func<Effect, bool> second) => e => (first?.Invoke(e) ?? false) | second(e);

    /// <summary>The master's endpoint with its commit call held until a task completes.</summary>
    private sealed class HeldCommitEndpoint(IVmEndpoint inner, Task held) : DelegatingEndpoint(inner)
    {
        public override async Task<ControlResponse> CommitAsync(string transactionId, CancellationToken ct)
        {
            await held;
            return await Inner.CommitAsync(transactionId, ct);
        }
    }
}
