using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// Seeds of the random workload that grows and shrinks the cluster (issue 13) which broke an invariant, each pinned by
/// name with the sequence it found (replay one with VM_SIM_SEED=&lt;seed&gt;, VM_SIM_CHAOS=1 for a chaos seed).
/// </summary>
[Trait("Category", "Simulation")]
public sealed class MembershipRegressionTests(ITestOutputHelper output)
{
    private void Passes(int seed, bool chaos = false) => SimulationAssert.Passes(seed, new ScenarioOptions { OneFaultAtATime = !chaos }, output);

    /// <summary>
    /// Spare host n4, defined to n1–n3, is added after n2 was removed for good: once joined it must define what the
    /// master defines (JoinAccepted carries the definition), not keep n2 as a peer it would admit as master.
    /// </summary>
    [Fact]
    public void Seed_100033_a_node_added_after_a_removal_takes_the_masters_definition() => Passes(100033);

    /// <summary>
    /// Master n2 tells successor n1 of n4's addition first and, before applying it, broadcasts a membership without n4:
    /// n1, which has applied the addition, must not take n4 out of its quorum's count.
    /// </summary>
    [Fact]
    public void Seed_74_a_membership_sent_before_the_master_applied_an_addition_is_not_taken() => Passes(74, chaos: true);

    /// <summary>
    /// Spare host n3, defined to n1 and n2 only, is added while n4 (added earlier) is master: n3 must take the members a
    /// defined peer names, or n4's JoinAccepted comes from a stranger and n3 never joins.
    /// </summary>
    [Fact]
    public void Seed_100440_a_node_added_after_the_master_was_hears_the_master() => Passes(100440);

    /// <summary>
    /// Master n1 removes n5, dies before its journal record and resumes on the word of n4, which never applied the
    /// removal: n1 must not take n5 back into its membership, or the members define it again.
    /// </summary>
    [Fact]
    public void Seed_100569_a_master_resuming_does_not_take_back_a_node_it_removed() => Passes(100569);

    /// <summary>
    /// n4 joins while n3, added and never started, is held Left: the joiner must still define n3 (the definition, not
    /// the membership, says who is in the cluster).
    /// </summary>
    [Fact]
    public void Seed_100754_a_joiner_defines_an_added_node_held_left() => Passes(100754);

    /// <summary>
    /// n1 applies T0003 to its database and dies before its journal record; it later forms the cluster as master at the
    /// generation T0003 made: in-doubt n4 joins and must not abort T0003 for want of an outcome, since n1 committed it.
    /// </summary>
    [Fact]
    public void Seed_856_a_commit_in_the_database_but_not_the_journal_is_an_outcome() => Passes(856, chaos: true);

    /// <summary>
    /// Master n1 decides to remove n2, tells n3 first (n2, next in rank, is told last) and dies: n2 holds the removal
    /// prepared and must not take over (it would abort what n3 committed); n3 does.
    /// </summary>
    [Fact]
    public void Seed_103309_the_node_being_removed_does_not_succeed_the_master() => Passes(103309);

    /// <summary>
    /// n2 joins n3's cluster at the generation T0002 made and dies before writing the outcomes it was given; it forms the
    /// cluster again as master: T0002's decided coordinator n1 joins it and must commit T0002 (the master's database
    /// names it as the change that made its generation), not abort it for want of an outcome.
    /// </summary>
    [Fact]
    public void Seed_1232_the_change_that_made_the_masters_generation_is_an_outcome() => Passes(1232, chaos: true);

    /// <summary>
    /// Master n1 decides to remove n3, tells n2 and dies; n2 takes over and commits it with n4, and no longer hears n3.
    /// n1 restarts in doubt: n3, never told, still names n1 master, and n1 must not resume as master on its word.
    /// </summary>
    [Fact]
    public void Seed_107483_a_master_does_not_resume_on_the_word_of_the_node_it_was_removing() => Passes(107483);

    /// <summary>
    /// n2 opens a change of its private group and, before its own Prepared reaches it, is removed for good: the change
    /// must end (aborted, its I/O let go), not wait for good on a message the removed node no longer hears.
    /// </summary>
    [Fact]
    public void Seed_100010_a_node_removed_for_good_ends_its_open_private_change() => Passes(100010);

    /// <summary>
    /// Master n1 adds n5 and dies after telling its successor; n2 takes over and resends the commit to every member, n5
    /// (Joining) among them: n5 takes its own addition and must not define itself a second time.
    /// </summary>
    [Fact]
    public void Seed_534_the_added_node_taking_its_own_addition_defines_itself_once() => Passes(534, chaos: true);

    /// <summary>
    /// Master n2 restarts holding prepared the removal of n4, so it does not take n4's word that it is still master; n4
    /// counted n2's Discover as a sign of life and named it master for good, the others kept joining n2, and nobody
    /// formed the cluster. A master that discovers is alive only once it acts as master again.
    /// </summary>
    [Fact]
    public void Seed_850_a_master_that_discovers_is_not_heard_as_alive() => Passes(850, chaos: true);

    /// <summary>
    /// n3 forms a cluster on n5's stale answer while n1 forms another with n2 and n5 and removes n5 for good (generation
    /// 1). n1 restarts and hears n3's cluster, still at generation 0 and naming n5: it must not define n5 again, or
    /// every node that later joins it takes n5 back (<see cref="StaleDiscoverReplyTests"/>; chaos seed 1572 alike).
    /// </summary>
    [Fact]
    public void Seed_1015_a_node_learns_no_peer_from_a_cluster_behind_its_configuration() => Passes(1015, chaos: true);

    /// <summary>
    /// n4 dies with dirty regions of v001 in its slot, restarts (its run inherits them) and is removed for good before it
    /// recovers them itself; the master recovers and clears its slot. A simulator defect: the liveness check still counted
    /// the removed node's inherited entries as owed, though a node removed for good copies nothing more.
    /// </summary>
    [Fact]
    public void Seed_1508_a_node_removed_for_good_owes_no_recovery_of_its_own() => Passes(1508, chaos: true);

    /// <summary>
    /// n4 prepares its own removal (a change of no disk group: nothing was held) and loses the commit notice in a
    /// connection reset; the others go on without it and detach a plex on a failing disk, while n4, not yet fenced (its
    /// master was silent for less than the fence delay), still read that plex. The node a change removes now holds every
    /// shared group while it is prepared, and stays fenced once removed.
    /// </summary>
    [Fact]
    public void Seed_8317_the_node_being_removed_serves_nothing_while_the_others_go_on_without_it() => Passes(8317);
}
