using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>
/// Chaos seeds beyond the sweep's range that broke an invariant, each pinned by name with the sequence it found, in the
/// runs seeds gave before the workload changed the membership (replay one with VM_SIM_CHAOS=1 VM_SIM_NO_MEMBERSHIP=1
/// VM_SIM_SEED=&lt;seed&gt;, see <see cref="SimulationReplayTests"/>).
/// </summary>
[Trait("Category", "Simulation")]
public sealed class ChaosRegressionTests(ITestOutputHelper output)
{
    private void Passes(int seed) => SimulationAssert.Passes(seed, new ScenarioOptions { OneFaultAtATime = false, MembershipChanges = false }, output);

    /// <summary>
    /// n1 restarts and resumes as master on n3's word while n2, cut off, takes over at the same epoch. Once the
    /// network heals n2 answers n1's heartbeats with its membership; n1 wins the tie and must say so, or both stay master.
    /// </summary>
    [Fact]
    public void Seed_2811_two_masters_at_one_epoch_settle_on_one() => Passes(2811);

    /// <summary>The same two masters at one epoch, the takeover coming first and the restarted master second.</summary>
    [Fact]
    public void Seed_3485_a_takeover_and_a_resumed_master_settle_on_one() => Passes(3485);

    /// <summary>
    /// Five defined nodes, four members: successor n3 writes master n2's commit and dies before it acknowledges; n2
    /// passes it over and dies before it tells n4; n4 takes over (n5 and the lease) and must commit, not abort, since
    /// n3 returns holding the commit.
    /// </summary>
    [Fact]
    public void Seed_1568_the_member_taking_over_after_a_passed_over_successor_commits() => Passes(1568);

    /// <summary>
    /// Master n1 decides and dies before telling successor n2; n2, cut off, takes over and aborts. n1 restarts,
    /// resumes on n3's word and resumes its decision: it must wait for n2's answer (the abort), not pass n2 over and
    /// tell n3 to commit.
    /// </summary>
    [Fact]
    public void Seed_15455_a_resumed_decision_waits_for_its_successor() => Passes(15455);

    /// <summary>
    /// Master n2 decides; successor n3 commits and dies before it acknowledges; n2 dies too. n1 and n2 restart and
    /// n1 forms the cluster: it was never told, but it was not the member told first either, so it must not abort.
    /// </summary>
    [Fact]
    public void Seed_25452_a_node_forming_the_cluster_keeps_another_masters_change_in_doubt() => Passes(25452);

    /// <summary>
    /// Master n1 passes over successor n3 (epoch 6), which, cut off and never told, takes over at an epoch 6 of its
    /// own and aborts. Its heartbeats must not count as holding n1's new order: n1 would tell the next member to commit.
    /// </summary>
    [Fact]
    public void Seed_20177_a_second_master_at_an_equal_epoch_does_not_hold_the_new_order() => Passes(20177);

    /// <summary>
    /// Master n2 decides T0001 and dies; its successor committed it. n1, which never saw it, forms a cluster with n2
    /// and n5 at generation 0: n2, holding its decision unsettled, must refuse to prepare another change on generation 0.
    /// </summary>
    [Fact]
    public void Seed_24760_no_change_is_prepared_on_the_base_of_an_unsettled_decision() => Passes(24760);

    /// <summary>
    /// n1, cut off, forms the cluster on discovery answers from before the cut; n2 forms another on n3's answer, while
    /// n3 joins n1 and leaves it cleanly (n1 then wins the tie of {n1, n2} with the disk lease) and, restarted, joins n2:
    /// both committed generations 1 and 2. Each master counted the other only as Joining and never beat at it. Since
    /// forming takes promises (<see cref="FormingByPromiseTests"/>) neither stale formation happens; the heartbeats to
    /// Joining members (<see cref="MasterHeartbeatTests"/>) settled the two masters before that.
    /// </summary>
    [Fact]
    public void Seed_21005_two_masters_that_count_each_other_joining_settle_on_one() => Passes(21005);

    /// <summary>
    /// Master n1 decides T0004 and, cut off with n4, passes its successor n2 over (recording the decision again for n3);
    /// n2, never told, takes over and aborts; n3 answers n1's notice with the abort and n1 voids its decision. A checker
    /// defect: the decision recorded again after n2's abort counted as a new decision to commit (invariant 2).
    /// </summary>
    [Fact]
    public void Seed_13556_a_decision_recorded_again_for_a_new_successor_is_not_a_new_decision() => Passes(13556);

    /// <summary>
    /// n2, fenced (it heard no majority), heard n1 and n3 again once the network healed: they had formed the cluster
    /// anew without it, at a newer epoch. n2 lifted its fence on them and read a plex the
    /// new cluster had left behind (invariant 7) before it learnt it was evicted; it must wait for members at its epoch.
    /// </summary>
    [Fact]
    public void Seed_15100_a_fenced_member_does_not_open_on_members_that_moved_on() => Passes(15100);

    /// <summary>
    /// The same with peers only discovering: n4, fenced, heard n1, n2 and n3 restarting (Discover) and opened its I/O on
    /// them at generation 2 while the cluster they formed was at generation 4 (invariant 7).
    /// </summary>
    [Fact]
    public void Seed_11014_a_fenced_member_does_not_open_on_peers_that_are_discovering() => Passes(11014);

    /// <summary>
    /// (Today's chaos sweep, membership changes on.) disk05 fails every write; the detach of v001's plex on it cannot
    /// commit while a member is down, so n2's write reached only the other plex and failed. A simulator defect: the check
    /// at the end of a recovery compared the plex on the failing disk too, whose detach was owed.
    /// </summary>
    [Fact]
    public void Seed_3740_a_plex_whose_disk_fails_every_write_is_left_out_of_the_mirrors_check() =>
        SimulationAssert.Passes(3740, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep, membership changes on.) Master n1 decides T0001 on {n1, n3, n5}; successor n3 gets the notice and dies
    /// before its commit is durable; n1 passes it over, n5 commits, n1 dies, then n5. n2 and n4, only Joining during the
    /// change, form a cluster with n3 (a majority of the five): n3, prepared and in doubt, must refuse another change on
    /// generation 0 until n1 or n5 returns with the commit, or the history forks.
    /// </summary>
    [Fact]
    public void Seed_13811_a_member_in_doubt_refuses_another_change_on_the_same_base() =>
        SimulationAssert.Passes(13811, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep, membership changes on.) Successor n2 is cut off alone just as master n1 decides T0003; n1 passes n2
    /// over and n3 commits. n2 took over on heartbeats heard before the cut (within DownAfter, not since n1 fell silent)
    /// and aborted T0003: a takeover counts only members heard since the master was found silent.
    /// </summary>
    [Fact]
    public void Seed_17559_a_successor_cut_off_does_not_take_over_on_members_heard_before_the_cut() =>
        SimulationAssert.Passes(17559, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep, membership changes on.) n3 writes the database of master n1's AddNode of n4 and dies before its
    /// journal record; n1 dies too. Restarted, n3 settled the commit with no membership in memory, so its durable last
    /// membership became n4 alone (which does not define n3): n3, at the newest generation, never had a quorum to form,
    /// and the others waited for it. The added node joins the durable membership instead.
    /// </summary>
    [Fact]
    public void Seed_4451_a_definition_change_settled_at_start_joins_the_durable_membership() =>
        SimulationAssert.Passes(4451, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep, membership changes on.) n2, master alone on the disk lease, decides T0001 (its only member) and dies;
    /// n1 forms the cluster at generation 0 and n2 joins it, commits its held decision and tells n1, but the notice is lost
    /// in a reset: n2 stayed at generation 1 under a master at 0, and every change failed. A master with no change open
    /// that hears a member ahead steps down, and the cluster forms again around the newest configuration.
    /// </summary>
    [Fact]
    public void Seed_17035_a_master_that_hears_a_member_ahead_steps_down() =>
        SimulationAssert.Passes(17035, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep, membership changes on.) n3 rejoins master n1 across a partition {n1, n3} | {n2, n4, n5}: n1, still
    /// counting n2 (heard 0.95 s before), admits it at epoch 8 and is retired. n3 opened its I/O at once, counting every
    /// member heard because it joined and, with n1, the tie of four; n2 and n4, which never saw epoch 8, are a majority of the
    /// three they know, take over and detach v001-01 on the failing disk02, and n3 read the plex without the write
    /// (invariant 7). A node admitted from outside the membership counts in no quorum until a majority of the members
    /// before it hold the epoch that admitted it, and a joiner counts only members it hears.
    /// </summary>
    [Fact]
    public void Seed_15637_a_node_admitted_across_a_partition_does_not_open_its_io_on_the_old_members() =>
        SimulationAssert.Passes(15637, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep, membership changes on.) n2, master of {n2, n3}, decides T0005 "remove node n3": no successor to tell
    /// first, it commits alone (generation 5) and dies before n3 hears. n3, back with T0005 Prepared, forms the cluster
    /// with n1, which never saw it, and prepared n1's next change on the same base: two generations 5. A member in doubt
    /// about a change that removes it refuses its base until the outcome is known.
    /// </summary>
    [Fact]
    public void Seed_35742_a_member_in_doubt_about_its_own_removal_refuses_the_same_base() =>
        SimulationAssert.Passes(35742, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep, membership changes on.) Master n1 decides T0003 of {n1, n2} and dies before telling n2; n2 restarts
    /// and forms the cluster with n3, keeping T0003 in doubt, commits a change of its own on the same base (half of
    /// T0003's members are here) and then removes n1 for good. Nothing was left to answer n2's doubt: it stayed prepared,
    /// its groups frozen. A node whose configuration has passed the base of a change it holds in doubt settles it aborted.
    /// </summary>
    [Fact]
    public void Seed_24424_a_change_in_doubt_whose_base_was_passed_here_is_settled() =>
        SimulationAssert.Passes(24424, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep, membership changes on.) Master n1 of {n1, n2} decides AddNode n3; successor n2 commits it, and its
    /// acknowledgement arrives after n1 passed it over (n2 was silent): no one else to tell first, n1 waited for a majority
    /// to hold the new order, which n2, ahead by a change of the definition, never took. The lone successor is told again.
    /// </summary>
    [Fact]
    public void Seed_45276_a_lone_successor_is_not_passed_over() =>
        SimulationAssert.Passes(45276, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>The same with the acknowledgement lost in a partition: n1 never told n2 again and n3 stayed Joining.</summary>
    [Fact]
    public void Seed_53599_a_lone_successor_whose_acknowledgement_was_lost_is_told_again() =>
        SimulationAssert.Passes(53599, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep, membership changes on; found on main before the merge of the chaos branch, 7ccd3f0.) Successor n2 is
    /// cut off alone as master n1 decides T0002; n1 passes it over and n3 commits; n2 took over on heartbeats from before
    /// the cut and aborted T0002 (invariant 4). The takeover rule of seed 17559 holds it; today's run takes another course.
    /// </summary>
    [Fact]
    public void Seed_44511_a_successor_cut_off_as_its_master_decides_does_not_abort_the_decision() =>
        SimulationAssert.Passes(44511, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep, found on 7ccd3f0 too.) n2, master of {n2, n3}, decides "remove node n1"; n3 commits it and its
    /// acknowledgement is lost: passed over with no one else to tell, n3 never held the new order and the change stayed
    /// open (the lone successor of seeds 45276 and 53599). Today's run takes another course.
    /// </summary>
    [Fact]
    public void Seed_29661_a_lone_successor_of_a_node_removal_is_told_again() =>
        SimulationAssert.Passes(29661, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Default sweep.) disk06 fails every write; under the Local policy n2's failed writes to v004, a mirror without a log,
    /// left its plexes different while n2 asked for their repair. T0013 removed n2 for good: its requests were no longer
    /// heard and nothing else recorded the ranges, so no one copied them. A node that leaves the membership has its
    /// mirrors without a log copied whole, as one that goes Down.
    /// </summary>
    [Fact]
    public void Seed_154825_a_mirror_without_a_log_is_copied_whole_for_a_node_removed_for_good() =>
        SimulationAssert.Passes(154825, new ScenarioOptions(), output);

    /// <summary>(Default sweep.) The same with n3's failed write to v004 and n3 removed at generation 11.</summary>
    [Fact]
    public void Seed_162760_a_mirror_without_a_log_is_copied_whole_for_a_node_removed_for_good_among_four() =>
        SimulationAssert.Passes(162760, new ScenarioOptions(), output);

    /// <summary>
    /// (Default sweep, with the rule of 154825 extended to nodes that leave cleanly.) n3 left cleanly, crashed and came
    /// back still writing v004, a mirror without a log, before it learned it had left; a whole copy for its leaving,
    /// started meanwhile, put v004-01's older block over its write on v004-02. Only a node removed for good (its removal's
    /// prepare drained its writes) is copied whole for leaving.
    /// </summary>
    [Fact]
    public void Seed_106432_a_node_that_left_cleanly_is_not_copied_whole_while_it_may_still_write() =>
        SimulationAssert.Passes(106432, new ScenarioOptions(), output);

    /// <summary>
    /// (Chaos sweep.) n3's write to v001 failed on disk02 (Local policy) and n3 asked for its repair; master n1 named n4,
    /// a member in its membership but still joining, whose database did not hold v001 yet: n4 answered the repair done
    /// without copying, n3 let its dirty mark go, and the plexes stayed different. A repairer copies only on the group's
    /// configuration the requester asked on (its id and generation), as a joined member.
    /// </summary>
    [Fact]
    public void Seed_27517_a_repairer_not_on_the_requesters_configuration_refuses() =>
        SimulationAssert.Passes(27517, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>(Chaos sweep.) Failed with invariant 8 on sweeps before main's c52fe48; passes there, pinned with the others.</summary>
    [Fact]
    public void Seed_28615_mirrors_agree() =>
        SimulationAssert.Passes(28615, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep.) A checker defect: n2's writes to v001 reached v001-01 and missed v001-02 (its path to disk08 failed);
    /// n2 crashed while it waited for the detach. The master's recovery of n2's slot, read before those writes, ended
    /// after the crash, and the check at its end counted the blocks as agreeing writes: a crash tore them as surely as
    /// one between two plexes, and the recovery of n2's stopped run copies them.
    /// </summary>
    [Fact]
    public void Seed_46078_a_write_a_plex_refused_and_a_crash_cut_short_is_torn() =>
        SimulationAssert.Passes(46078, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep.) Master n1 is cut off from n2 (two nodes, n2 holds the disk lease), the connections reset; n2 saw it
    /// Down and took over after DownAfter, detached v001-01 on the failing disk01 and acknowledged a write on v001-02 alone,
    /// while n1, not yet fenced (FenceAfter is DownAfter too), still read v001-01 (invariant 7). A successor waits for a
    /// master whose connection closed until that master, if alive, has fenced: FenceAfter and DownAfter more.
    /// </summary>
    [Fact]
    public void Seed_29877_a_successor_takes_over_a_master_whose_connection_closed_only_once_it_fenced() =>
        SimulationAssert.Passes(29877, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>(Chaos sweep.) The same among four nodes: n2 takes over from n1 across a partition and n1 still reads v003-02.</summary>
    [Fact]
    public void Seed_45453_a_successor_takes_over_only_once_the_old_master_fenced_among_four() =>
        SimulationAssert.Passes(45453, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>(Chaos sweep.) The same with n2 partitioned alone holding the lease, disk03 failing.</summary>
    [Fact]
    public void Seed_46348_a_successor_takes_over_only_once_the_old_master_fenced_with_the_lease() =>
        SimulationAssert.Passes(46348, new ScenarioOptions { OneFaultAtATime = false }, output);

    /// <summary>
    /// (Chaos sweep.) A simulator defect: n4's writes to v001 missed the plex on the failing disk04 and waited for its
    /// detach; n4 crashed and restarted, and once its new run's configuration showed the plex detached, the simulator wrote
    /// the dead run's writes again, 3 s later, over newer acknowledged ones (invariant 7). A dead agent writes nothing again.
    /// </summary>
    [Fact]
    public void Seed_52605_a_crashed_runs_write_is_never_written_again() =>
        SimulationAssert.Passes(52605, new ScenarioOptions { OneFaultAtATime = false }, output);
}
