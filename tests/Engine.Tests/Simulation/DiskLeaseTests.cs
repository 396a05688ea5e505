using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>The disk lease in the private regions' lease slot, and the two-node tie it breaks.</summary>
[Trait("Category", "Simulation")]
public sealed class DiskLeaseTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void A_lease_reads_back_from_its_slot()
    {
        var lease = new DiskLease("node-é1", 7, Now.AddSeconds(4), Now);
        var slot = lease.Encode();
        Assert.Equal(PrivateRegion.LeaseSize, slot.Length);
        Assert.Equal(lease, DiskLease.Decode(slot));
    }

    [Fact]
    public void An_empty_or_damaged_slot_holds_no_lease()
    {
        Assert.Null(DiskLease.Decode(new byte[PrivateRegion.LeaseSize]));
        var slot = new DiskLease("n1", 1, Now, Now).Encode();
        slot[17] ^= 0x40; // the expiry, under the checksum
        Assert.Null(DiskLease.Decode(slot));
    }

    [Fact]
    public void A_node_takes_a_slot_only_when_it_is_free_its_own_or_expired()
    {
        var held = new DiskLease("n1", 1, Now.AddSeconds(1), Now);
        Assert.True(DiskLease.MayTake(null, "n2", Now));
        Assert.True(DiskLease.MayTake(held, "n1", Now));
        Assert.False(DiskLease.MayTake(held, "n2", Now));
        Assert.True(DiskLease.MayTake(held, "n2", Now.AddSeconds(1)));
    }

    [Fact]
    public void The_lease_is_held_only_on_a_majority_of_the_shared_disks()
    {
        var n1 = new DiskLease("n1", 1, Now.AddSeconds(2), Now);
        var n2 = new DiskLease("n2", 1, Now.AddSeconds(3), Now);
        Assert.Equal("n1", DiskLease.Tally([n1, n1, n2], 3, Now).Holder);
        Assert.Equal(Now.AddSeconds(2), DiskLease.Tally([n1, n1, n2], 3, Now).Until);
        Assert.Null(DiskLease.Tally([n1, n1, n2, n2], 4, Now).Holder);
        Assert.Null(DiskLease.Tally([n1, n1], 4, Now).Holder); // two of four disks seen: no majority
        Assert.Null(DiskLease.Tally([n1, n1, n1], 3, Now.AddSeconds(2)).Holder); // expired
    }

    [Fact]
    public void A_two_node_cluster_writes_one_holder_into_a_majority_of_the_lease_slots()
    {
        var h = new SimHarness(2).Boot();
        h.RunUntil(() => h.Sim.Nodes.All(n => n.Machine!.LeaseHolder is not null), TimeSpan.FromSeconds(3), "a lease holder");
        var holder = h.Sim.Nodes[0].Machine!.LeaseHolder!;
        Assert.Equal(holder, h.Sim.Nodes[1].Machine!.LeaseHolder);
        Assert.True(h.Sim.Disks.Names.Count(d => h.Sim.Disks.LeaseOn(d)?.Holder == holder) * 2 > h.Sim.Disks.Names.Count());
    }

    /// <summary>
    /// The simulator runs the agent's lease rules: a lone node of a two-node cluster writes its lease into every slot
    /// on its first round, but a slot counts for it only once a later round reads back what it wrote, so it holds the
    /// lease from its second round (a quarter lease later), not from its first.
    /// </summary>
    [Fact]
    public void In_the_simulator_a_lone_node_holds_the_lease_from_its_second_round()
    {
        var h = new SimHarness(2);
        var n1 = h["n1"];
        h.Sim.Start(n1);
        var step = TimeSpan.FromMilliseconds(1);
        Assert.True(h.Sim.RunUntil(() => h.Sim.Disks.Names.All(d => h.Sim.Disks.LeaseOn(d)?.Holder == "n1"), TimeSpan.FromSeconds(3), step), "n1's first lease round");
        var firstRound = h.Sim.Elapsed;
        Assert.Null(n1.Machine!.LeaseHolder);

        Assert.True(h.Sim.RunUntil(() => n1.Machine!.LeaseHolder is not null, TimeSpan.FromSeconds(3), step), "n1 holding the lease");
        Assert.Equal("n1", n1.Machine!.LeaseHolder);
        var round = h.Protocol.LeaseDuration / 4;
        Assert.InRange(h.Sim.Elapsed - firstRound, round, round + h.Sim.Options.TickInterval);
    }

    [Fact]
    public void A_three_node_cluster_writes_no_lease()
    {
        var h = new SimHarness(3).Boot();
        h.RunFor(TimeSpan.FromSeconds(2));
        Assert.All(h.Sim.Disks.Names, d => Assert.Null(h.Sim.Disks.LeaseOn(d)));
    }

    /// <summary>
    /// The interconnect between the two nodes is cut; both still reach the disks. Only the side holding the
    /// lease keeps quorum: it evicts the other and changes alone; the other side cannot change anything.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void In_a_two_node_partition_only_the_lease_holder_can_change(int seed)
    {
        var h = new SimHarness(2, seed).Boot();
        h.RunUntil(() => h.Sim.Nodes.All(n => n.Machine!.LeaseHolder is not null), TimeSpan.FromSeconds(3), "a lease holder");
        var holder = h.Sim.Nodes[0].Machine!.LeaseHolder!;
        var other = h.Sim.Nodes.Single(n => n.Name != holder).Name;

        h.Sim.Network.Partition([holder], resetConnections: true);
        // A master without the lease refuses changes at once (NoQuorum) and stops acting as master after the failure timeout.
        h.RunUntil(() => h[holder].Machine is { IsMaster: true } m && m.Members.Single(x => x.Name == other).State == MemberState.Left
                         && h[other].Machine is { IsMaster: false }, TimeSpan.FromSeconds(20), $"{holder} evicting {other}");

        var lost = h.Finish(h.CreateShared(other, "dg02", "disk02"));
        var kept = h.Finish(h.CreateShared(holder, "dg01", "disk01"));

        Assert.True(kept.Succeeded, string.Join("; ", kept.Failures.Select(f => f.Reason)));
        Assert.False(lost.Succeeded);
        Assert.False(h[other].Machine!.IsMaster);
        Assert.Equal(0, h.Generation(other));
        Assert.Equal(1, h.Generation(holder));

        h.Sim.Network.Heal();
        h.Settle();
        Assert.Equal(1, h.Generation(other)); // it rejoins and takes the holder's configuration
        h.AssertNoViolations(output);
    }

    /// <summary>
    /// A two-node cluster with a shared disk group; then n1, the first node of the definition, stops seeing every disk
    /// and the interconnect is cut. n1 counts its lease over the whole disk set (it holds none of it), not over the no
    /// disks it sees, so it does not fall back to the first-node rule and win as well: only n2's side changes.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void In_a_two_node_partition_a_node_that_sees_no_disks_does_not_win_the_tie(int seed)
    {
        var h = new SimHarness(2, seed).Boot();
        h.RunUntil(() => h.Sim.Nodes.All(n => n.Machine!.LeaseHolder is not null), TimeSpan.FromSeconds(3), "a lease holder");
        Assert.True(h.Finish(h.CreateShared("n1", "dg01", "disk01")).Succeeded);
        h.RunFor(TimeSpan.FromSeconds(1)); // a heartbeat or two: each node learns the disks the other counts

        foreach (var disk in h.Sim.Disks.Names) h["n1"].InvisibleDisks.Add(disk);
        h.Sim.Network.Partition(["n1"], resetConnections: true);
        h.RunUntil(() => h["n2"].Machine is { IsMaster: true } m && m.Members.Single(x => x.Name == "n1").State == MemberState.Left
                         && h["n1"].Machine is { IsMaster: false }, TimeSpan.FromSeconds(20), "n2 evicting n1, and n1 giving up mastership");
        h.RunFor(TimeSpan.FromSeconds(3));

        Assert.False(h["n1"].Machine!.IsMaster, "n1, seeing no disks, formed a cluster of its own");
        Assert.Null(h["n1"].Machine!.LeaseHolder);
        var lost = h.Finish(h.RemoveShared("n1", "dg01"));
        var kept = h.Finish(h.CreateShared("n2", "dg02", "disk02"));
        Assert.True(kept.Succeeded, string.Join("; ", kept.Failures.Select(f => f.Reason)));
        Assert.False(lost.Succeeded);
        Assert.Contains(lost.Failures, f => f.ErrorId == ErrorIds.NoQuorum);
        Assert.NotNull(h["n1"].Machine!.Database.FindShared("dg01"));
        Assert.Equal(1, h.Generation("n1"));
        Assert.Equal(2, h.Generation("n2"));

        h["n1"].InvisibleDisks.Clear();
        h.Sim.Network.Heal();
        h.Settle();
        Assert.Equal(2, h.Generation("n1"));
        h.AssertNoViolations(output);
    }
}
