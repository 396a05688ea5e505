using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Volumes;

/// <summary>The initiator lays a volume out once, before its local checks, and every node applies that layout.</summary>
public sealed class InitiatorVolumeTests
{
    /// <summary>A member that keeps its own database: checks with NodeChecks, commits with Transaction.ApplyTo (every member, as the master would).</summary>
    private sealed class Member(string node, NodeDatabase db, Dictionary<string, Member> all) : IVmEndpoint
    {
        public string Node => node;
        public NodeDatabase Database { get; private set; } = db;
        public List<BeginRequest> Begun { get; } = [];
        private Transaction? open;

        public Task<ClusterView> GetViewAsync(CancellationToken ct) => Task.FromResult(new ClusterView
        {
            ClusterId = Database.ClusterId, Master = "n1", Generation = Database.Generation,
            Members = all.Keys.Select((n, i) => new MemberInfo { Name = n, Rank = i, State = MemberState.Joined }).ToList(),
            DiskGroups = Database.All.Select(g => g.Clone()).ToList(),
            Disks = VisibleTo(Database),
        });

        public Task<ControlResponse> BeginAsync(BeginRequest request, CancellationToken ct)
        {
            Begun.Add(request);
            // As on the wire: the operations are serialised, so no node shares the initiator's objects.
            open = WireJson.Deserialize<Transaction>(WireJson.SerializeToString(new Transaction
            {
                Id = "T0011-0001", Scope = request.Scope, BaseGeneration = Database.Generation, Initiator = request.Initiator,
                Coordinator = node, Members = [.. all.Keys], Operations = request.Operations,
            }));
            return Task.FromResult(new ControlResponse { Ok = true, Transaction = open });
        }

        public Task<NodeCheckResult> CheckAsync(Transaction transaction, CancellationToken ct)
        {
            var copy = WireJson.Deserialize<Transaction>(WireJson.SerializeToString(transaction));
            return Task.FromResult(NodeChecks.Run(node, Database, VisibleTo(Database), copy));
        }

        public Task<ControlResponse> CommitAsync(string transactionId, CancellationToken ct)
        {
            foreach (var member in all.Values)
                member.Database = WireJson.Deserialize<Transaction>(WireJson.SerializeToString(open!)).ApplyTo(member.Database, member.Node);
            return Task.FromResult(new ControlResponse { Ok = true });
        }

        public Task<ControlResponse> AbortAsync(AbortRequest request, CancellationToken ct) => Task.FromResult(ControlResponse.Success());
        public Task<List<TransactionRecord>> GetTransactionsAsync(string? id, CancellationToken ct) => Task.FromResult(new List<TransactionRecord>());
    }

    private static Dictionary<string, Member> Cluster(DiskGroup group)
    {
        var all = new Dictionary<string, Member>();
        foreach (var name in new[] { "n1", "n2", "n3" }) all[name] = new Member(name, Database(group), all);
        return all;
    }

    private static Task<ChangeOutcome> Run(Dictionary<string, Member> cluster, params Operation[] ops) =>
        new Initiator(cluster.ToDictionary(p => p.Key, p => (IVmEndpoint)p.Value), Guid.NewGuid)
            .RunAsync(new Proposal { Scope = TransactionScope.Shared, Node = "n2", Initiator = "test", Operations = [.. ops] }, CancellationToken.None);

    [Fact]
    public async Task A_mirrored_volume_is_laid_out_once_and_every_node_ends_with_the_same_configuration()
    {
        var cluster = Cluster(Group(64, 64, 64, 64));

        var outcome = await Run(cluster, new CreateVolume { DiskGroup = "dg", Volume = "m", SizeBytes = 100 * MiB, Mirrors = 2 });

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Failures.Select(f => f.Reason)));
        var sent = (CreateVolume)Assert.Single(cluster["n1"].Begun).Operations.Single();
        Assert.Equal(2, sent.Plexes.Count);
        var hashes = cluster.Values.Select(m => DatabaseYaml.SharedHash(m.Database)).Distinct();
        Assert.Single(hashes);
        var volume = cluster["n3"].Database.FindShared("dg")!.FindVolume("m")!;
        Assert.Equal(Json(sent.Plexes), Json(volume.Plexes));
    }

    [Fact]
    public async Task A_volume_too_large_is_refused_locally_with_nothing_sent()
    {
        var cluster = Cluster(Group(64, 64));

        var outcome = await Run(cluster, new CreateVolume { DiskGroup = "dg", Volume = "big", SizeBytes = 200 * MiB });

        Assert.False(outcome.Succeeded);
        Assert.Equal(ChangeStage.LocalCheck, outcome.Stage);
        var failure = Assert.Single(outcome.Failures);
        Assert.Equal((ErrorIds.InsufficientSpace, "n2"), (failure.ErrorId, failure.Node));
        Assert.Contains("has 128 MiB (134217728 bytes) free", failure.Reason);
        Assert.Empty(cluster["n1"].Begun);
        Assert.All(cluster.Values, m => Assert.Equal(10, m.Database.Generation));
    }

    [Fact]
    public async Task Grow_add_mirror_activate_and_remove_the_original_plex_leave_every_node_identical()
    {
        var cluster = Cluster(Group(64, 64, 64, 64));
        Assert.True((await Run(cluster, new CreateVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 40 * MiB })).Succeeded);

        Assert.True((await Run(cluster, new AddMirror { DiskGroup = "dg", Volume = "v" })).Succeeded);
        Assert.True((await Run(cluster, new ResizeVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 90 * MiB })).Succeeded);
        var early = await Run(cluster, new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-01" });
        Assert.True((await Run(cluster, new SetPlexState { DiskGroup = "dg", Volume = "v", Plex = "v-02", State = PlexStates.Active })).Succeeded);
        Assert.True((await Run(cluster, new RemoveMirror { DiskGroup = "dg", Volume = "v", Plex = "v-01" })).Succeeded);

        Assert.Equal(ErrorIds.LastPlex, Assert.Single(early.Failures).ErrorId);
        Assert.Single(cluster.Values.Select(m => DatabaseYaml.SharedHash(m.Database)).Distinct());
        var group = cluster["n1"].Database.FindShared("dg")!;
        var plex = Assert.Single(group.FindVolume("v")!.Plexes);
        Assert.Equal(("v-02", PlexStates.Active, 90 * MiB), (plex.Name, plex.State, plex.SizeBytes));
        Assert.Equal(256 * MiB - 90 * MiB, group.FreeBytes);
        Assert.Equal(15, group.Generation);
    }
}
