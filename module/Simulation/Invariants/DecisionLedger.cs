using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Simulation.Invariants;

/// <summary>
/// The history of durable decisions, checked as it grows: invariants 2, 3, 4 and 6. Fed every journal
/// record and database a node makes durable, in the order they were made durable (the simulator feeds
/// it live; a real-process test feeds it every node's journal and database with <see cref="Check"/>).
/// Pure: no clock, no I/O; the same history always gives the same violations.
/// </summary>
public sealed class DecisionLedger
{
    private sealed class Facts(Transaction transaction)
    {
        public Transaction Transaction { get; set; } = transaction;
        public HashSet<string> Prepared { get; } = [];
        /// <summary>The nodes that recorded a decision to commit: a later record of it (a successor passed over) decides nothing new.</summary>
        public HashSet<string> Decided { get; } = [];
        public Dictionary<string, TransactionState> Final { get; } = [];
        public List<string>? MembershipAtPrepare { get; set; }
        public bool CommitChecked { get; set; }
    }

    private sealed record Reference(string TransactionId, NodeDatabase Database, string Hash);

    private readonly Dictionary<string, Facts> facts = [];
    private readonly Dictionary<long, Reference> generations = [];
    private readonly Dictionary<string, long> highest = [];
    private readonly List<(string Node, NodeDatabase Database)> pendingDatabases = [];
    private readonly List<(string Node, NodeDatabase Database)> unexplained = [];
    private readonly Func<NodeDatabase, string> hash;

    /// <param name="initial">The shared configuration every node starts from (generation 0 of the cluster).</param>
    /// <param name="hash">How shared configurations are compared; <see cref="DatabaseYaml.SharedHash"/> unless given.</param>
    public DecisionLedger(NodeDatabase initial, Func<NodeDatabase, string>? hash = null)
    {
        this.hash = hash ?? DatabaseYaml.SharedHash;
        generations[initial.Generation] = new Reference("", initial, this.hash(initial));
    }

    public List<Violation> Violations { get; } = [];

    /// <summary>The transaction that produced each shared generation, as far as the history shows.</summary>
    public IReadOnlyDictionary<long, string> CommittedGenerations =>
        generations.Where(g => g.Value.TransactionId != "").ToDictionary(g => g.Key, g => g.Value.TransactionId);

    /// <summary>The final state each node reached for a transaction.</summary>
    public IReadOnlyDictionary<string, TransactionState> Outcomes(string transactionId) =>
        facts.TryGetValue(transactionId, out var f) ? f.Final : new Dictionary<string, TransactionState>();

    public bool AnyCommitted(string transactionId) => facts.TryGetValue(transactionId, out var f) && f.Final.ContainsValue(TransactionState.Committed);

    public bool AnyAborted(string transactionId) => facts.TryGetValue(transactionId, out var f) && f.Final.ContainsValue(TransactionState.Aborted);

    /// <summary>Batch form for real-process tests: every node's journal records, then every node's database.</summary>
    public static List<Violation> Check(NodeDatabase initial, IEnumerable<(string Node, TransactionRecord Record)> journal,
        IEnumerable<(string Node, NodeDatabase Database)> databases)
    {
        var ledger = new DecisionLedger(initial);
        foreach (var (node, record) in journal.OrderBy(e => e.Record.Updated)) ledger.RecordPersisted(node, record);
        foreach (var (node, db) in databases) ledger.DatabasePersisted(node, db);
        ledger.Complete();
        return ledger.Violations;
    }

    /// <summary>The coordinator sent Prepare for <paramref name="tx"/> while its membership (Joined or Down) was <paramref name="membership"/>.</summary>
    public void PrepareStarted(string coordinator, Transaction tx, IEnumerable<string> membership)
    {
        var f = Get(tx);
        f.MembershipAtPrepare = membership.ToList();
        var missing = f.MembershipAtPrepare.Where(m => !tx.Members.Contains(m)).ToList();
        if (tx.Scope == TransactionScope.Shared && missing.Count > 0)
            Add(InvariantId.CommitNeedsAllPrepared, $"{coordinator} sent prepare for {tx.Id} to [{string.Join(", ", tx.Members)}] but its membership also holds [{string.Join(", ", missing)}].", coordinator, tx.Id);
    }

    /// <summary>A node made a journal record durable. <paramref name="byMaster"/>: the node was master when it did.</summary>
    public void RecordPersisted(string node, TransactionRecord record, bool byMaster = false)
    {
        var tx = record.Transaction;
        var f = Get(tx);
        f.Transaction = tx;
        f.Final.TryGetValue(node, out var before);
        var hadFinal = f.Final.ContainsKey(node);
        switch (record.State)
        {
            case TransactionState.Prepared when record.Decided:
                CheckCommitAllowed(f, node, "decided to commit");
                // The same decision recorded again (passing a successor over, the decision handed on): it was made before
                // the abort was, if it was; whether a commit follows is checked when a node commits.
                if (!f.Decided.Add(node)) break;
                foreach (var (other, state) in f.Final.Where(x => x.Value == TransactionState.Aborted))
                    Add(InvariantId.TcConsistent, $"{node} decided to commit {tx.Id} although {other} had aborted it.", node, tx.Id);
                break;
            case TransactionState.Prepared:
                f.Prepared.Add(node);
                if (hadFinal)
                    Add(InvariantId.DecisionStable, $"{node} recorded {tx.Id} as prepared after it had recorded it {before}.", node, tx.Id);
                break;
            case TransactionState.Committed:
                if (hadFinal && before != TransactionState.Committed)
                    Add(InvariantId.DecisionStable, $"{node} committed {tx.Id} after it had aborted it.", node, tx.Id);
                foreach (var (other, _) in f.Final.Where(x => x.Value == TransactionState.Aborted && x.Key != node))
                    Add(InvariantId.TcConsistent, $"{node} committed {tx.Id} while {other} aborted it.", node, tx.Id);
                CheckCommitAllowed(f, node, "committed");
                if (tx.Scope == TransactionScope.Shared && record.Generation != tx.BaseGeneration + 1)
                    Add(InvariantId.SameConfiguration, $"{node} recorded {tx.Id} committed at generation {record.Generation}; it made generation {tx.BaseGeneration + 1}.", node, tx.Id);
                if (tx.Scope == TransactionScope.Shared) Extend(node, tx);
                f.Final[node] = TransactionState.Committed;
                break;
            case TransactionState.Aborted:
                if (hadFinal && before != TransactionState.Aborted)
                    Add(InvariantId.DecisionStable, $"{node} aborted {tx.Id} after it had committed it.", node, tx.Id);
                foreach (var (other, _) in f.Final.Where(x => x.Value == TransactionState.Committed && x.Key != node))
                    Add(byMaster && node != tx.Coordinator ? InvariantId.DecisionStable : InvariantId.TcConsistent,
                        $"{node}{(byMaster && node != tx.Coordinator ? " (the new master)" : "")} aborted {tx.Id} while {other} committed it.", node, tx.Id);
                if (!hadFinal) f.Final[node] = TransactionState.Aborted;
                break;
        }
    }

    /// <summary>A node made its database durable. Checked at <see cref="Flush"/>, after the records made durable with it.</summary>
    public void DatabasePersisted(string node, NodeDatabase database) => pendingDatabases.Add((node, database));

    /// <summary>Checks the databases made durable since the last flush: each shared generation must be one the committed history produced.</summary>
    public void Flush()
    {
        foreach (var (node, db) in pendingDatabases)
        {
            if (highest.TryGetValue(node, out var top) && db.Generation < top)
                Add(InvariantId.Durability, $"{node} went back from generation {top} to {db.Generation}: a committed change was lost.", node);
            highest[node] = Math.Max(top, db.Generation);
            // A database can be written just before the journal record of the commit that produced it (and the
            // agent die in between): a generation no commit explains yet is held until one does, or the run ends.
            if (!generations.ContainsKey(db.Generation)) unexplained.Add((node, db));
            else Compare(node, db);
        }
        pendingDatabases.Clear();
        for (var i = unexplained.Count - 1; i >= 0; i--)
        {
            if (!generations.ContainsKey(unexplained[i].Database.Generation)) continue;
            Compare(unexplained[i].Node, unexplained[i].Database);
            unexplained.RemoveAt(i);
        }
    }

    /// <summary>The end of the history: a database generation that no commit ever produced is a change that was never committed.</summary>
    public void Complete()
    {
        Flush();
        foreach (var (node, db) in unexplained)
            Add(InvariantId.Durability, $"{node} held generation {db.Generation}, which no committed transaction produced.", node);
        unexplained.Clear();
    }

    private void Compare(string node, NodeDatabase db)
    {
        var reference = generations[db.Generation];
        if (hash(db) != reference.Hash)
            Add(InvariantId.Durability, $"{node} holds a shared configuration at generation {db.Generation} that differs from the one {(reference.TransactionId == "" ? "the cluster started with" : reference.TransactionId)} committed.", node, reference.TransactionId);
    }

    /// <summary>An agent restarted from its durable state: what it committed before must still be there.</summary>
    public void Restarted(string node, NodeDatabase loaded, IEnumerable<TransactionRecord> journal)
    {
        if (highest.TryGetValue(node, out var top) && loaded.Generation < top)
            Add(InvariantId.Durability, $"{node} restarted at generation {loaded.Generation}, below the {top} it had made durable.", node);
        var latest = new Dictionary<string, TransactionState>();
        foreach (var r in journal) latest[r.Transaction.Id] = r.State;
        foreach (var (id, f) in facts)
            if (f.Final.TryGetValue(node, out var state) && state == TransactionState.Committed && latest.GetValueOrDefault(id) != TransactionState.Committed)
                Add(InvariantId.Durability, $"{node} restarted without its commit of {id}.", node, id);
    }

    private void CheckCommitAllowed(Facts f, string node, string what)
    {
        if (f.CommitChecked) return;
        f.CommitChecked = true;
        var tx = f.Transaction;
        var required = tx.Scope == TransactionScope.Shared ? tx.Members.Union(f.MembershipAtPrepare ?? []).ToList() : tx.Members;
        var unprepared = required.Where(m => !f.Prepared.Contains(m)).ToList();
        if (unprepared.Count > 0)
            Add(InvariantId.CommitNeedsAllPrepared, $"{node} {what} {tx.Id} but [{string.Join(", ", unprepared)}] never prepared it.", node, tx.Id);
    }

    private void Extend(string node, Transaction tx)
    {
        var next = tx.BaseGeneration + 1;
        if (generations.TryGetValue(next, out var existing))
        {
            if (existing.TransactionId != tx.Id)
                Add(InvariantId.SameConfiguration, $"{node} committed {tx.Id} as generation {next}, which {(existing.TransactionId == "" ? "the cluster started with" : existing.TransactionId + " already produced")}.", node, tx.Id);
            return;
        }
        if (!generations.TryGetValue(tx.BaseGeneration, out var @base))
        {
            Add(InvariantId.Durability, $"{node} committed {tx.Id} on generation {tx.BaseGeneration}, which no committed transaction produced.", node, tx.Id);
            return;
        }
        var after = tx.ApplyTo(@base.Database, tx.Coordinator);
        generations[next] = new Reference(tx.Id, after, hash(after));
    }

    private Facts Get(Transaction tx)
    {
        if (!facts.TryGetValue(tx.Id, out var f)) facts[tx.Id] = f = new Facts(tx);
        return f;
    }

    private void Add(InvariantId id, string message, string? node = null, string? tx = null) => Violations.Add(new Violation(id, message, node, tx));
}
