using VolumeManager.Engine.Storage;

namespace VolumeManager.Engine.Tests.Engine;

/// <summary>The per-slot rules of a lease round, on slots held in memory (the agent and the simulator run the same rules).</summary>
public sealed class LeaseSlotsTests
{
    private static readonly TimeSpan Term = TimeSpan.FromSeconds(4);
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly byte[] Empty = new byte[PrivateRegion.LeaseSize];

    private static DiskLease Lease(string node, DateTimeOffset now) => new(node, 1, now + Term, now);

    [Fact]
    public void A_slot_taken_this_round_counts_from_the_next_once_it_reads_back_as_written()
    {
        var n1 = new LeaseSlots(new SteppedClock());
        var first = n1.Next("d1", Empty, Lease("n1", Now), Now);
        Assert.NotNull(first.Write);
        Assert.Null(first.Counts);
        n1.Wrote("d1", first.Write);

        var renewal = Lease("n1", Now.AddSeconds(1));
        var second = n1.Next("d1", first.Write, renewal, Now.AddSeconds(1));
        Assert.Equal(renewal, second.Counts);
        Assert.Equal(renewal, DiskLease.Decode(second.Write));
    }

    /// <summary>The other node read the same empty slot and wrote it after this node did: the slot is the other node's, not this one's.</summary>
    [Fact]
    public void A_slot_the_other_node_wrote_over_counts_for_the_other_node()
    {
        var n1 = new LeaseSlots(new SteppedClock());
        var mine = n1.Next("d1", Empty, Lease("n1", Now), Now).Write!;
        n1.Wrote("d1", mine);
        var theirs = Lease("n2", Now);

        var next = n1.Next("d1", theirs.Encode(), Lease("n1", Now.AddSeconds(1)), Now.AddSeconds(1));
        Assert.Null(next.Write);
        Assert.Equal(theirs, next.Counts);
    }

    [Fact]
    public void A_write_never_confirmed_does_not_count_when_it_reads_back()
    {
        var n1 = new LeaseSlots(new SteppedClock());
        var slot = n1.Next("d1", Empty, Lease("n1", Now), Now).Write!; // the write failed: Wrote is not called
        Assert.Null(n1.Next("d1", slot, Lease("n1", Now.AddSeconds(1)), Now.AddSeconds(1)).Counts);
    }

    /// <summary>n2's clock runs 10 s ahead, so n1's lease always reads expired to it: it still waits a whole term of the unchanged lease on its own clock.</summary>
    [Fact]
    public void The_other_nodes_lease_is_taken_only_after_reading_it_unchanged_for_its_whole_term()
    {
        var local = new SteppedClock();
        var n2 = new LeaseSlots(local);
        var ahead = Now.AddSeconds(10);
        for (var round = 0; round < 6; round++, local.Advance(TimeSpan.FromSeconds(1)))
        {
            var renewed = Lease("n1", Now.AddSeconds(round)).Encode(); // n1 renews every round
            Assert.Null(n2.Next("d1", renewed, Lease("n2", ahead), ahead).Write);
        }
        var last = Lease("n1", Now.AddSeconds(6)).Encode(); // n1 stops renewing
        for (var round = 0; round < 4; round++, local.Advance(TimeSpan.FromSeconds(1)))
            Assert.Null(n2.Next("d1", last, Lease("n2", ahead), ahead).Write);
        Assert.Equal("n2", DiskLease.Decode(n2.Next("d1", last, Lease("n2", ahead), ahead).Write)?.Holder);
    }

    [Fact]
    public void An_unexpired_foreign_lease_is_not_taken_however_long_it_has_read_unchanged()
    {
        var local = new SteppedClock();
        var n2 = new LeaseSlots(local);
        var held = new DiskLease("n1", 1, Now.AddMinutes(1), Now).Encode();
        for (var round = 0; round < 10; round++, local.Advance(TimeSpan.FromSeconds(1)))
            Assert.Null(n2.Next("d1", held, Lease("n2", Now.AddSeconds(round)), Now.AddSeconds(round)).Write);
    }

    [Fact]
    public void A_torn_slot_counts_for_no_one_and_is_taken_only_once_it_has_read_torn_for_a_whole_lease()
    {
        var local = new SteppedClock();
        var n2 = new LeaseSlots(local);
        var torn = Lease("n1", Now).Encode();
        torn[40] ^= 0xFF;
        for (var round = 0; round < 4; round++, local.Advance(TimeSpan.FromSeconds(1)))
            Assert.Equal(default, n2.Next("d1", torn, Lease("n2", Now), Now));
        Assert.NotNull(n2.Next("d1", torn, Lease("n2", Now), Now).Write);
    }
}
