using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;
using VolumeManager.Engine.Tests.Engine;
using VolumeManager.Engine.Tests.Transport;

namespace VolumeManager.Engine.Tests.Agent;

/// <summary>Lease rounds on real disk image files, with real positioned writes and fsync.</summary>
public sealed class DiskLeaseWriterTests : IDisposable
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(4);
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private List<DiskInfo> Disks(int count) => Enumerable.Range(1, count).Select(i =>
    {
        var path = temp.File($"d{i:D2}.img");
        using (var image = new FileStream(path, FileMode.Create, FileAccess.ReadWrite)) image.SetLength(PrivateRegion.LeaseOffset + PrivateRegion.LeaseSize);
        return new DiskInfo { Name = $"d{i:D2}", Path = path };
    }).ToList();

    private static DiskLease Lease(string node, DateTimeOffset now) => new(node, 1, now + Duration, now);

    /// <summary>
    /// Both nodes of a two-node cluster start at once and find every slot empty: each reads, then writes, and their
    /// reads and writes interleave. Neither may come out of that round believing it holds the lease (the other may
    /// have written over a slot between its read and its write). In no later round do both hold it, and within a few
    /// rounds both name the same holder, the node whose writes stayed on a majority of the disks (a round may read a
    /// slot torn while the other node renews it, and that slot then counts for no one).
    /// </summary>
    [Fact]
    public async Task Two_nodes_racing_for_empty_slots_never_both_hold_the_lease()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var disks = Disks(3);
            var writers = new[] { "n1", "n2" }.ToDictionary(n => n, _ => new DiskLeaseWriter(_ => { }));
            using var start = new Barrier(2);
            async Task<string?[]> RoundAsync() => (await Task.WhenAll(writers.Select(w => Task.Run(() =>
            {
                start.SignalAndWait();
                var now = DateTimeOffset.UtcNow;
                return w.Value.Renew(Lease(w.Key, now), disks, now);
            })))).Select(r => r.Holder).ToArray();

            var first = await RoundAsync();
            Assert.True(first[0] != "n1" && first[1] != "n2", $"attempt {attempt}: the racing round left n1 reading holder {first[0] ?? "none"}, n2 reading {first[1] ?? "none"}");
            var rounds = new List<string?[]>();
            do
            {
                var next = await RoundAsync();
                Assert.False(next[0] == "n1" && next[1] == "n2", $"attempt {attempt}: both nodes hold the lease");
                rounds.Add(next);
            }
            while (rounds.Count < 4 && !Agreed(rounds[^1]));
            Assert.True(Agreed(rounds[^1]),
                $"attempt {attempt}: after {rounds.Count} rounds: " + string.Join("; ", rounds.Select(r => $"n1 reads {r[0] ?? "none"}, n2 reads {r[1] ?? "none"}")));
            foreach (var disk in disks) File.Delete(disk.Path);
        }
    }

    private static bool Agreed(string?[] holders) => holders[0] is not null && holders[0] == holders[1];

    /// <summary>
    /// A slot that reads torn (its writer caught mid-write, or cut short by a crash) is not free: a node leaves it
    /// alone, and takes it only once it has read torn for a whole lease by the node's own clock.
    /// </summary>
    [Fact]
    public void A_torn_slot_is_taken_only_once_it_has_stayed_torn_for_a_whole_lease()
    {
        var disks = Disks(1);
        var torn = Lease("n1", DateTimeOffset.UtcNow).Encode();
        torn[40] ^= 0xFF;
        using (var image = new FileStream(disks[0].Path, FileMode.Open, FileAccess.Write)) { image.Position = PrivateRegion.LeaseOffset; image.Write(torn); }
        var local = new SteppedClock();
        var n2 = new DiskLeaseWriter(_ => { }, local);
        var t = DateTimeOffset.UtcNow;
        for (var round = 0; round < 4; round++, local.Advance(TimeSpan.FromSeconds(1)))
        {
            n2.Renew(Lease("n2", t), disks, t);
            Assert.Equal(torn, SlotOf(disks[0]));
        }
        n2.Renew(Lease("n2", t), disks, t);
        Assert.Equal("n2", DiskLease.Decode(SlotOf(disks[0]))?.Holder);
    }

    private static byte[] SlotOf(DiskInfo disk)
    {
        using var image = new FileStream(disk.Path, FileMode.Open, FileAccess.Read);
        var slot = new byte[PrivateRegion.LeaseSize];
        image.Position = PrivateRegion.LeaseOffset;
        image.ReadExactly(slot);
        return slot;
    }

    /// <summary>
    /// n2's clock runs 10 s ahead of n1's, so by n2's clock n1's lease looks expired the moment n1 writes it. n2 still
    /// does not take a lease n1 goes on renewing; once n1 stops, n2 takes it after a whole term of n1's lease by
    /// n2's own clock.
    /// </summary>
    [Fact]
    public void A_node_whose_clock_runs_ahead_does_not_take_a_lease_that_is_being_renewed()
    {
        var disks = Disks(3);
        var local = new SteppedClock();
        var n1 = new DiskLeaseWriter(_ => { });
        var n2 = new DiskLeaseWriter(_ => { }, local);
        var t = DateTimeOffset.UtcNow;
        var skew = TimeSpan.FromSeconds(10);
        for (var round = 0; round < 8; round++, t = t.AddSeconds(1), local.Advance(TimeSpan.FromSeconds(1)))
        {
            var mine = n1.Renew(Lease("n1", t), disks, t);
            if (round > 0) Assert.Equal("n1", mine.Holder);
            var theirs = n2.Renew(Lease("n2", t + skew), disks, t + skew);
            Assert.NotEqual("n2", theirs.Holder);
        }
        // n1 stops renewing: n2 takes the slots once it has read them unchanged for the lease's 4 s (the fourth round
        // after it first read n1's last lease) and holds them from the round after (the fifth).
        var rounds = 0;
        for (; rounds < 10 && n2.Renew(Lease("n2", t + skew), disks, t + skew).Holder != "n2"; rounds++, t = t.AddSeconds(1), local.Advance(TimeSpan.FromSeconds(1))) { }
        Assert.Equal(4, rounds);
    }

    [Fact]
    public void A_lone_node_holds_the_lease_from_its_second_round_and_keeps_it_while_it_renews()
    {
        var disks = Disks(3);
        var writer = new DiskLeaseWriter(_ => { });
        var now = DateTimeOffset.UtcNow;
        Assert.Null(writer.Renew(Lease("n1", now), disks, now).Holder);
        var second = writer.Renew(Lease("n1", now.AddSeconds(1)), disks, now.AddSeconds(1));
        Assert.Equal("n1", second.Holder);
        Assert.Equal(now.AddSeconds(1) + Duration, second.Until);
        var other = new DiskLeaseWriter(_ => { });
        Assert.Equal("n1", other.Renew(Lease("n2", now.AddSeconds(2)), disks, now.AddSeconds(2)).Holder); // not expired: n2 cannot take it
        Assert.Equal("n1", writer.Renew(Lease("n1", now.AddSeconds(3)), disks, now.AddSeconds(3)).Holder);
    }
}

/// <summary>A writer's round counted as its node's machine counts it, over the disks the test gave it.</summary>
internal static class LeaseRoundCount
{
    extension(VolumeManager.Engine.Protocol.LeaseRenewed round)
    {
        public string? Holder => Count(round).Holder;

        public DateTimeOffset Until => Count(round).Until;
    }

    private static (string? Holder, DateTimeOffset Until) Count(VolumeManager.Engine.Protocol.LeaseRenewed round) =>
        DiskLease.TallyOver(round.Slots.Select(s => s.Disk).ToHashSet(), round.Slots, round.Now);
}
