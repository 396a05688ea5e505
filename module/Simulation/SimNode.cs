using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Storage;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Simulation;

/// <summary>
/// One simulated node: what survives a crash (the database and journal its agent made durable) and what
/// does not (the agent's state machine and kernel). <see cref="Machine"/> is null while the agent is down.
/// </summary>
public sealed class SimNode
{
    private readonly List<TransactionRecord> journal = [];

    internal SimNode(int index, PeerAddress address, NodeDatabase initial, IEnumerable<PeerAddress> definition)
    {
        Index = index;
        Address = address;
        Durable = initial;
        Definition = [.. definition];
    }

    /// <summary>The node's cluster definition file: the peers its agent starts with; a committed AddNode or RemoveNode rewrites it.</summary>
    public List<PeerAddress> Definition { get; }

    /// <summary>Taken out of the cluster for good (its own definition no longer names it): no invariant counts it.</summary>
    public bool Removed => Definition.All(p => p.Name != Name);

    public int Index { get; }
    public PeerAddress Address { get; }
    public string Name => Address.Name;

    /// <summary>The configuration database as last made durable (PersistDatabase).</summary>
    public NodeDatabase Durable { get; internal set; }

    /// <summary>Every journal record made durable (PersistRecord), in order; the last per transaction wins on load.</summary>
    public IReadOnlyList<TransactionRecord> Journal => journal;

    public NodeMachine? Machine { get; internal set; }
    public bool Running => Machine is not null;
    /// <summary>Counts agent starts; an event for an earlier incarnation is dropped.</summary>
    public int Incarnation { get; internal set; }
    public int ProcessId { get; internal set; }
    internal SimKernel Kernel { get; set; } = null!;
    /// <summary>The agent's memory of its lease rounds (what it last wrote, what it has read unchanged since when); gone with the agent.</summary>
    internal LeaseSlots Leases { get; set; } = null!;
    /// <summary>Disks this node cannot open.</summary>
    public HashSet<string> InvisibleDisks { get; } = [];
    /// <summary>When set, the agent dies just before carrying out the first effect this matches.</summary>
    public Func<Effect, bool>? CrashBefore { get; set; }

    /// <summary>In-flight I/O count of a disk group in this node's simulated kernel.</summary>
    public int InFlight(string diskGroup) => Running ? Kernel.InFlight(diskGroup) : 0;
    public bool GateClosed(string diskGroup) => Running && Kernel.Closed(diskGroup);
    public bool AnyGateClosed => Running && Kernel.AnyClosed;

    internal void Append(TransactionRecord record) => journal.Add(record);

    /// <summary>The state this node last made durable for a transaction, if any.</summary>
    public TransactionState? LastState(string transactionId)
    {
        for (var i = journal.Count - 1; i >= 0; i--)
            if (journal[i].Transaction.Id == transactionId) return journal[i].State;
        return null;
    }

    /// <summary>The journal as the agent loads it (<see cref="JournalReplay"/>): the latest record of each transaction, in first-seen order.</summary>
    internal List<TransactionRecord> LoadJournal(Func<TransactionRecord, TransactionRecord> copy) =>
        JournalReplay.LatestRecords(journal).Select(copy).ToList();

    public override string ToString() => Name;
}
