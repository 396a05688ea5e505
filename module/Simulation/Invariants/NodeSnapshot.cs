using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Simulation.Invariants;

/// <summary>
/// What a monitor knows of one node at one moment. The simulator takes it from the node's state
/// machine; a real-process test builds it from the node's view and transaction list.
/// </summary>
public sealed class NodeSnapshot
{
    private string? sharedHash;

    public required string Node { get; init; }
    /// <summary>False while the node's agent is not running: its memory is gone, only its durable state remains.</summary>
    public bool Running { get; init; } = true;
    public NodePhase Phase { get; init; } = NodePhase.Joined;
    public string? Master { get; init; }
    public long Epoch { get; init; }
    public required NodeDatabase Database { get; init; }
    public IReadOnlyList<MemberInfo> Members { get; init; } = [];
    public IReadOnlyList<TransactionRecord> Records { get; init; } = [];
    /// <summary>The names of the node's cluster definition (empty when not known, as from a view).</summary>
    public IReadOnlyList<string> Definition { get; init; } = [];
    /// <summary>The transaction holding this node's coordinator slot, if any.</summary>
    public string? ActiveTransaction { get; init; }

    public long Generation => Database.Generation;
    public bool IsMaster => Running && Phase == NodePhase.Joined && Master == Node;

    /// <summary>The canonical hash of the cluster id, generation and shared disk groups (<see cref="DatabaseYaml.SharedHash"/>).</summary>
    public string SharedHash => sharedHash ??= DatabaseYaml.SharedHash(Database);

    /// <summary>Members the node counts in its membership: Joined or Down, not Left.</summary>
    public IEnumerable<MemberInfo> CurrentMembers => Members.Where(m => m.State is MemberState.Joined or MemberState.Down);

    public static NodeSnapshot Of(NodeMachine machine) => new()
    {
        Node = machine.Name,
        Phase = machine.Phase,
        Master = machine.Master,
        Epoch = machine.Epoch,
        Database = machine.Database,
        Members = machine.Members.Select(m => m.Clone()).ToList(),
        Records = machine.Records.ToList(),
        ActiveTransaction = machine.Active?.Transaction.Id,
        Definition = machine.Definition.Select(p => p.Name).ToList(),
    };

    /// <summary>A node whose agent is down: only what it made durable.</summary>
    public static NodeSnapshot Stopped(string node, NodeDatabase durable, IEnumerable<TransactionRecord> journal, IEnumerable<string>? definition = null) => new()
    {
        Node = node, Running = false, Phase = NodePhase.Discovering, Database = durable, Records = journal.ToList(), Definition = definition?.ToList() ?? [],
    };

    /// <summary>From what a node's endpoint answers (Get-VmCluster view and Get-VmTransaction records), for real-process tests.</summary>
    public static NodeSnapshot FromView(string node, ClusterView view, IEnumerable<TransactionRecord> records) => new()
    {
        Node = node,
        Phase = view.Members.FirstOrDefault(m => m.Name == node)?.State switch
        {
            MemberState.Joined or MemberState.Down => NodePhase.Joined,
            MemberState.Left => NodePhase.Left,
            _ => NodePhase.Joining,
        },
        Master = string.IsNullOrEmpty(view.Master) ? null : view.Master,
        Epoch = view.Epoch,
        Database = new NodeDatabase
        {
            ClusterId = view.ClusterId, Generation = view.Generation,
            Shared = view.DiskGroups.Where(g => g.Shared).Select(g => g.Clone()).ToList(),
            Private = view.DiskGroups.Where(g => !g.Shared).Select(g => g.Clone()).ToList(),
        },
        Members = view.Members.Select(m => m.Clone()).ToList(),
        Records = records.ToList(),
    };
}
