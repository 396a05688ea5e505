using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;
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
    /// have written over a slot between its read and its write); after the next round both name the same holder,
    /// the node whose writes stayed on a majority of the disks.
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
            var second = await RoundAsync();
            Assert.True(second[0] is not null && second[0] == second[1], $"attempt {attempt}: after the next round n1 reads holder {second[0] ?? "none"}, n2 reads {second[1] ?? "none"}");
            foreach (var disk in disks) File.Delete(disk.Path);
        }
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
