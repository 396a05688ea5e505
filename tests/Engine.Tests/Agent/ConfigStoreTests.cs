using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Storage;
using VolumeManager.Engine.Tests.Transport;
using VolumeManager.Engine.Transactions;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.Agent;

/// <summary>The node's durable database: snapshot + journal, recovered after a crash at every step of a commit.</summary>
public sealed class ConfigStoreTests : IDisposable
{
    /// <summary>Small, so the commits below fold the journal into a new snapshot more than once.</summary>
    private const long CompactAfter = 3000;

    private readonly TempDirectory temp = new();
    private readonly List<string> logged = [];

    private string SnapshotPath => temp.File("config.yaml");
    private string JournalPath => temp.File("journal.log");

    /// <summary>Whether each commit's database change and record go in as one group (one write, one fsync), as the agent makes them.</summary>
    private bool grouped;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Recovery_after_a_crash_at_every_step_of_every_commit_gives_the_database_before_or_after_it(bool group)
    {
        grouped = group;
        var commits = Commits();
        var (steps, filesBefore) = StepsPerCommit(commits);
        Assert.Contains(steps, s => s.Contains("snapshot renamed")); // the sequence does fold the journal
        for (var commit = 0; commit < commits.Count; commit++)
            for (var step = 0; step < steps[commit].Count; step++)
            {
                Restore(filesBefore[commit]);
                CrashDuring(commits[commit], step);
                using var recovered = Open();
                var before = commit == 0 ? Empty() : commits[commit - 1].Database;
                var expected = steps[commit][step] == "append written" ? [before, commits[commit].Database] : new[] { commits[commit].Database };
                Assert.True(expected.Any(e => Same(e, recovered.Database)),
                    $"crash at '{steps[commit][step]}' of commit {commit + 1}: the recovered database is neither before nor after it");
                var records = recovered.Records.Select(r => r.Transaction.Id).ToList();
                Assert.True(records.SequenceEqual(Ids(commits.Take(commit))) || records.SequenceEqual(Ids(commits.Take(commit + 1))),
                    $"crash at '{steps[commit][step]}' of commit {commit + 1}: records {string.Join(", ", records)}");
            }
    }

    [Fact]
    public void A_journal_torn_in_its_last_record_is_cut_back_to_the_record_before_and_the_node_goes_on()
    {
        var commits = Commits().Take(4).ToList();
        Run(commits);
        var whole = File.ReadAllBytes(JournalPath)[..RecordsEnd()];   // without the zeroed room after them
        var lastStart = Array.LastIndexOf(whole, (byte)'\n', whole.Length - 2) + 1;
        foreach (var cut in Cuts(lastStart, whole.Length))
        {
            File.WriteAllBytes(JournalPath, whole[..cut]);
            using (var store = Open())
            {
                Assert.Equal(lastStart, new FileInfo(JournalPath).Length);
                Assert.True(Same(commits[^1].Database, store.Database), $"cut at byte {cut}");
                Assert.Equal(Ids(commits.SkipLast(1)), store.Records.Select(r => r.Transaction.Id));
                store.Append(commits[^1].Record);
            }
            using var again = Open();
            Assert.Equal(Ids(commits), again.Records.Select(r => r.Transaction.Id));
        }
        Assert.Contains(logged, l => l.Contains("was cut short by a crash"));
    }

    [Fact]
    public void Zeros_after_the_last_record_are_the_room_written_ahead_and_the_next_record_goes_where_they_start()
    {
        var commits = Commits().Take(4).ToList();
        Run(commits.SkipLast(1).ToList());
        var bytes = File.ReadAllBytes(JournalPath);
        var end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        Assert.True(bytes.Length >= end + 4096, "the journal has zeroed room after its records");
        Assert.DoesNotContain(bytes[end..], b => b != 0);

        using (var store = Open())
        {
            Assert.True(Same(commits[^2].Database, store.Database));
            Assert.Equal(bytes.Length, new FileInfo(JournalPath).Length);   // nothing cut
            Commit(store, commits[^1]);
        }
        using var again = Open();

        Assert.DoesNotContain(logged, l => l.Contains("cut short"));
        Assert.True(Same(commits[^1].Database, again.Database));
        Assert.Equal(Ids(commits), again.Records.Select(r => r.Transaction.Id));
        Assert.Equal(bytes.Length, new FileInfo(JournalPath).Length);   // written over the zeros
    }

    [Fact]
    public void A_torn_record_followed_by_the_zeroed_room_is_cut_back_and_the_node_goes_on()
    {
        var commits = Commits().Take(3).ToList();
        Run(commits.SkipLast(1).ToList());
        var bytes = File.ReadAllBytes(JournalPath);
        var end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        var torn = JournalText.Line(new JournalEntry { Sequence = 99, Transaction = commits[^1].Record });
        torn.AsSpan(0, torn.Length / 2).CopyTo(bytes.AsSpan(end));
        File.WriteAllBytes(JournalPath, bytes);

        using (var store = Open())
        {
            Assert.True(Same(commits[^2].Database, store.Database));
            Commit(store, commits[^1]);
        }
        using var again = Open();

        Assert.Contains(logged, l => l.Contains("cut short"));
        Assert.Equal(Ids(commits), again.Records.Select(r => r.Transaction.Id));
    }

    [Fact]
    public void A_record_damaged_in_the_middle_of_the_journal_refuses_to_start_naming_the_file_and_the_record()
    {
        var commits = Commits().Take(3).ToList();
        Run(commits);
        var bytes = File.ReadAllBytes(JournalPath);
        var second = Array.IndexOf(bytes, (byte)'\n') + 1;
        bytes[second + 30] ^= 0x20;
        File.WriteAllBytes(JournalPath, bytes);

        var e = Assert.Throws<JournalDamagedException>(Open);

        Assert.Equal(2, e.Line);
        Assert.Contains(JournalPath, e.Message);
        Assert.Contains("journal record 2", e.Message);
        Assert.Contains("good records follow it", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(JournalPath)); // nothing is cut from a journal that is not torn
    }

    [Fact]
    public void A_commit_appends_what_it_changed_not_the_database()
    {
        var group = Group(8192, 8192);
        for (var i = 0; i < 2000; i++) group.Volumes.Add(Vol($"v{i:D4}", MiB, PlexOf($"v{i:D4}-01", PlexStates.Active, Sd($"v{i:D4}-01-01", "d1", i, MiB))));
        var database = Database(group);
        using (var store = Open(compactAfter: 64L * 1024 * 1024)) store.SaveDatabase(database);
        var before = RecordsEnd();
        var next = Shared(Create("new", "d2", 0)).ApplyTo(database, "n1");

        using (var store = Open(compactAfter: 64L * 1024 * 1024)) store.SaveDatabase(next);

        Assert.InRange(RecordsEnd() - before, 1, 2048);
        using var recovered = Open();
        Assert.True(Same(next, recovered.Database));
    }

    [Fact]
    public void The_change_between_two_databases_rebuilds_the_later_one_exactly()
    {
        foreach (var (before, after) in Commits().Select(c => c.Database).Prepend(Empty()).Zip(Commits().Select(c => c.Database)))
        {
            var change = DatabaseChange.Between(before, after)!;
            var roundTripped = WireJson.Deserialize<DatabaseChange>(WireJson.Serialize(change));

            Assert.True(Same(after, roundTripped.ApplyTo(before)));
        }
    }

    [Fact]
    public void A_disk_groups_copy_text_is_byte_for_byte_the_whole_group_emitted()
    {
        var group = Commits()[^1].Database.Shared.Single(g => g.Volumes.Count > 1);

        Assert.Equal(YamlText.Emit(ModelYaml.Group(group)), DatabaseYaml.WriteDiskGroup(group));
    }

    [Fact]
    public void The_database_text_made_of_each_volumes_cached_text_is_byte_for_byte_the_whole_database_emitted()
    {
        var mixed = Commits()[^1].Database.CopyForChange();
        var owned = Group(64, 64);
        owned.Name = "mine";
        owned.Shared = false;
        owned.Owner = "n1";
        owned.Volumes.Add(Vol("p1", MiB, PlexOf("p1-01", PlexStates.Active, Sd("p1-01-01", "d1", 0, MiB))));
        mixed.Private = [owned, new DiskGroup { Name = "bare", Id = Guid.NewGuid(), Owner = "n1", Disks = [Disk("d9", 64)] }];
        mixed.Shared = [new DiskGroup { Name = "empty", Id = Guid.NewGuid(), Shared = true, Disks = [Disk("d8", 64)] }, .. mixed.Shared];

        foreach (var database in Commits().Select(c => c.Database).Append(mixed))
            Assert.Equal(DatabaseYaml.EmitWhole(database), DatabaseYaml.Write(database));
    }

    /// <summary>A run of commits as a node makes them: groups, volumes, a mirror, a plex state, a removal, a new membership.</summary>
    private static List<(NodeDatabase Database, TransactionRecord Record)> Commits()
    {
        var commits = new List<(NodeDatabase, TransactionRecord)>();
        var database = Empty();
        void Commit(Transaction tx)
        {
            tx.BaseGeneration = database.Generation;
            database = tx.ApplyTo(database, "n1");
            commits.Add((database, new TransactionRecord { Transaction = tx, State = TransactionState.Committed, Generation = database.Generation }));
        }
        Commit(Shared(new CreateDiskGroup { DiskGroup = "dg", Id = Guid.NewGuid(), Shared = true, Disks = [Disk("d1", 512), Disk("d2", 512)] }));
        for (var i = 0; i < 6; i++) Commit(Shared(Create($"v{i}", "d1", i * 8)));
        Commit(Shared(new AddMirror { DiskGroup = "dg", Volume = "v1", Plex = PlexOf("v1-02", PlexStates.Stale, Sd("v1-02-01", "d2", 0, MiB)) }));
        Commit(Shared(new SetPlexState { DiskGroup = "dg", Volume = "v1", Plex = "v1-02", State = PlexStates.Active }));
        Commit(Shared(new RemoveVolume { DiskGroup = "dg", Volume = "v3" }));
        Commit(Shared(new CreateDiskGroup { DiskGroup = "dg2", Id = Guid.NewGuid(), Shared = true, Disks = [Disk("d3", 512)] }));
        Commit(Shared(new RemoveDiskGroup { DiskGroup = "dg2" }));
        Commit(Shared(Create("v3", "d2", 40)));
        var joined = database.CopyForChange();
        joined.Epoch = 7;
        joined.Membership = ["n1", "n2"];
        database = joined;
        commits.Add((database, new TransactionRecord { Transaction = new Transaction { Id = "membership" }, State = TransactionState.Committed }));
        return commits;
    }

    private static long nextId;

    private static Transaction Shared(Operation op) => new()
    {
        Id = $"T{Interlocked.Increment(ref nextId):D4}", Scope = TransactionScope.Shared, Operations = [op],
    };

    private static CreateVolume Create(string name, string disk, long offsetMiB) => new()
    {
        DiskGroup = "dg", Volume = name, SizeBytes = MiB, Plexes = [PlexOf($"{name}-01", PlexStates.Active, Sd($"{name}-01-01", disk, offsetMiB, MiB))],
    };

    private static NodeDatabase Empty() => new() { ClusterId = ClusterId };

    /// <summary>Commits in order as the agent makes them durable (database, then the record); no crash.</summary>
    private void Run(List<(NodeDatabase Database, TransactionRecord Record)> commits)
    {
        using var store = Open();
        foreach (var commit in commits) Commit(store, commit);
    }

    private void Commit(ConfigStore store, (NodeDatabase Database, TransactionRecord Record) commit)
    {
        using var group = grouped ? store.Group() : null;
        store.SaveDatabase(commit.Database);
        store.Append(commit.Record);
    }

    [Fact]
    public void A_grouped_commit_writes_its_database_change_and_record_with_one_fsync_and_both_recover()
    {
        grouped = true;
        var commits = Commits().Take(3).ToList();
        var (steps, _) = StepsPerCommit(commits);
        Assert.All(steps.Where(s => !s.Any(x => x.StartsWith("snapshot", StringComparison.Ordinal))), s => Assert.Equal(["append written", "append synced"], s));
        using var store = Open();
        Assert.True(Same(commits[^1].Database, store.Database));
        Assert.Equal(Ids(commits), store.Records.Select(r => r.Transaction.Id));
    }

    [Fact]
    public void Records_kept_past_a_fold_do_not_fold_the_journal_again_at_every_append()
    {
        // One record larger than the threshold and the snapshot together: every fold keeps it in the new journal.
        var big = Shared(new CreateDiskGroup { DiskGroup = "dg", Id = Guid.NewGuid(), Shared = true, Disks = [.. Enumerable.Range(0, 60).Select(i => Disk($"d{i}", 512))] });
        var steps = new List<string>();
        using var store = Open(step: steps.Add);
        store.Append(new TransactionRecord { Transaction = big, State = TransactionState.Committed });
        for (var i = 0; i < 4; i++) store.Append(new TransactionRecord { Transaction = Shared(Create($"v{i}", "d1", i)), State = TransactionState.Proposed });
        Assert.True(steps.Count(s => s.StartsWith("snapshot", StringComparison.Ordinal) && s.Contains("renamed", StringComparison.Ordinal)) <= 1,
            $"the journal was folded at: {string.Join(", ", steps)}");
    }

    /// <summary>One commit, with the process "crashing" (an exception, and nothing written after) at its given durable step.</summary>
    private void CrashDuring((NodeDatabase Database, TransactionRecord Record) commit, int crashStep)
    {
        var step = 0;
        using var store = Open(step: _ => { if (step++ == crashStep) throw new Crash(); });
        try { Commit(store, commit); }
        catch (Crash) { return; }
        Assert.Fail($"no crash at step {crashStep}");
    }

    /// <summary>The durable steps of each commit, and the state directory's files before each.</summary>
    private (List<List<string>> Steps, List<Dictionary<string, byte[]>> FilesBefore) StepsPerCommit(List<(NodeDatabase Database, TransactionRecord Record)> commits)
    {
        var steps = commits.Select(_ => new List<string>()).ToList();
        var files = new List<Dictionary<string, byte[]>>();
        var commit = 0;
        using var store = Open(step: s => steps[commit].Add(s));
        for (; commit < commits.Count; commit++)
        {
            files.Add(Directory.GetFiles(temp.Path).ToDictionary(f => f, File.ReadAllBytes));
            Commit(store, commits[commit]);
        }
        return (steps, files);
    }

    private void Restore(Dictionary<string, byte[]> files)
    {
        foreach (var file in Directory.GetFiles(temp.Path)) File.Delete(file);
        foreach (var (path, bytes) in files) File.WriteAllBytes(path, bytes);
    }

    private ConfigStore Open() => Open(null);

    private ConfigStore Open(Action<string>? step = null, long compactAfter = CompactAfter) =>
        ConfigStore.Open(SnapshotPath, JournalPath, ClusterId, logged.Add, step, compactAfter);

    private static IEnumerable<int> Cuts(int start, int end)
    {
        var stride = Math.Max(1, (end - start) / 40);
        for (var cut = start + 1; cut < end; cut += stride) yield return cut;
        yield return end - 1; // all but the line end
    }

    /// <summary>Where the journal's records end (the zeroed room follows).</summary>
    private int RecordsEnd() => Array.LastIndexOf(File.ReadAllBytes(JournalPath), (byte)'\n') + 1;

    private static List<string> Ids(IEnumerable<(NodeDatabase Database, TransactionRecord Record)> commits) => commits.Select(c => c.Record.Transaction.Id).ToList();

    private static bool Same(NodeDatabase expected, NodeDatabase actual) => DatabaseYaml.Write(expected) == DatabaseYaml.Write(actual);

    private sealed class Crash : Exception;

    public void Dispose() => temp.Dispose();
}
