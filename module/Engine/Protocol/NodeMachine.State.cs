using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// Everything a node machine knows, in one place. Only the database and the transaction records survive a restart
/// (the host persists them from <see cref="PersistDatabase"/> and <see cref="PersistRecord"/> and hands them back to
/// the constructor); the rest is rebuilt by discovery, heartbeats and lease rounds.
/// </summary>
public sealed partial class NodeMachine
{
    // Who this node is and what it was started with.

    /// <summary>This node's name in the cluster definition.</summary>
    private readonly string self;
    /// <summary>This node's entry in the cluster definition.</summary>
    private readonly PeerAddress selfAddress;
    /// <summary>The other nodes of the cluster definition; AddNode and RemoveNode change it, in every member at one commit.</summary>
    private readonly List<PeerAddress> peers;
    private readonly ProtocolOptions options;
    /// <summary>The only source of chance (discovery back-off); seeded by the simulator, so a seed replays exactly.</summary>
    private readonly Random random;
    /// <summary>The agent's process id, shown in views so a restart is visible.</summary>
    private readonly int processId;

    // The input being handled.

    /// <summary>The effects of the input being handled; emptied at the start of each <see cref="Handle"/>.</summary>
    private readonly List<Effect> outbox = [];
    /// <summary>The time of the input being handled (the machine has no clock of its own).</summary>
    private DateTimeOffset clock;

    // Durable: the configuration and the transactions.

    /// <summary>The configuration this node applied: what its kernel serves. Changes only by a commit, a join's catch-up or an import.</summary>
    public NodeDatabase Database { get; private set; }
    /// <summary>Every transaction record this node keeps, by id; a record is replaced, never changed in place (replies may be serialising it).</summary>
    private readonly Dictionary<string, TransactionRecord> records = [];
    /// <summary>The ids of <see cref="records"/> in the order they were first kept (the journal's order).</summary>
    private readonly List<string> recordOrder = [];
    /// <summary>Why the last change this node saw was aborted, for the administrator.</summary>
    public string? LastAbortReason { get; private set; }

    // Membership.

    public NodePhase Phase { get; private set; } = NodePhase.Discovering;
    /// <summary>The membership epoch this node is in; it only grows, and every membership update carries it.</summary>
    public long Epoch { get; private set; }
    /// <summary>The master this node follows (itself when it is master); null while it knows none.</summary>
    public string? Master { get; private set; }
    /// <summary>The members as this node knows them: the master's list is the one the others take.</summary>
    public List<MemberInfo> Members { get; private set; } = [];
    /// <summary>When each peer was last heard (any message): failure detection counts from it.</summary>
    private readonly Dictionary<string, DateTimeOffset> lastHeard = [];
    /// <summary>The epoch each member last spoke at: a member that heard newer ones missed a membership change.</summary>
    private readonly Dictionary<string, long> heardEpoch = [];
    /// <summary>
    /// Nodes admitted from outside the membership, with the epoch that admitted them, until a majority of the members before
    /// them hold that epoch: until then they count in no quorum (<see cref="HasQuorum"/>, <see cref="SettlePendingVoters"/>).
    /// </summary>
    private readonly Dictionary<string, long> pendingVoters = [];
    /// <summary>Peers whose last message was a discovery or a join request: looking for a cluster, not members in reach.</summary>
    private readonly HashSet<string> lookingForCluster = [];
    /// <summary>Members whose last heartbeat named themselves master: their epoch is their own cluster's, though it may equal this one's.</summary>
    private readonly HashSet<string> mastersOfTheirOwn = [];
    /// <summary>The peers heard in this discovery round (a node forms the cluster only if no better former is among them).</summary>
    private readonly HashSet<string> discoveringPeers = [];
    /// <summary>The generation each peer's discovery reply gave: the most up-to-date node forms the cluster.</summary>
    private readonly Dictionary<string, long> peerGenerations = [];
    /// <summary>When the current discovery or join attempt gives up and starts again.</summary>
    private DateTimeOffset discoverDeadline;
    /// <summary>(Forming.) Whether this node has asked the peers it heard to promise to join it; until the discovery deadline.</summary>
    private bool callingForPromises;
    /// <summary>(Forming.) The peers that promised to join this node: it forms the cluster once they make a majority.</summary>
    private readonly HashSet<string> promises = [];
    /// <summary>(Joining.) The master this node asked to join.</summary>
    private string? joiningTo;
    /// <summary>The node forming the cluster that this one promised to join, and until when it joins no other master.</summary>
    private (string Node, DateTimeOffset Until)? promised;
    /// <summary>When this node last sent its heartbeats.</summary>
    private DateTimeOffset lastHeartbeat;
    /// <summary>(Master.) How many failed writes' repairs it has assigned: the next goes to the next member in turn.</summary>
    private long repairTurn;
    /// <summary>(Master.) Join requests held until the change in progress ends.</summary>
    private readonly List<JoinRequest> pendingJoins = [];
    /// <summary>(Master.) The epoch at which it last admitted each node: a leave notice from before that is stale.</summary>
    private readonly Dictionary<string, long> admittedAt = new(StringComparer.Ordinal);
    /// <summary>(Master.) Since when it has reached no majority of the members; null while it does.</summary>
    private DateTimeOffset? quorumLostAt;
    /// <summary>(Slave.) Since when its master has been silent past the failure bound; null while the master is heard.</summary>
    private DateTimeOffset? masterLostAt;
    /// <summary>The generation at which this node last applied an AddNode or RemoveNode (0: none since its agent started).</summary>
    private long definitionChangedAt;
    /// <summary>Set once a committed RemoveNode took this node out: it answers nothing on the interconnect again.</summary>
    private bool removedForGood;
    /// <summary>Senders outside the cluster definition, logged once each.</summary>
    private readonly HashSet<string> strangersLogged = new(StringComparer.Ordinal);

    // Changes.

    /// <summary>
    /// Transactions this node coordinated and found undecided in its journal at start, whose successor it named when it
    /// prepared: the commit notice may have gone to that successor ahead of the decision's sync, so until the successor
    /// answers (<see cref="OutcomeQuery"/>) they are in doubt here as on any member.
    /// </summary>
    private readonly HashSet<string> undecidedAtStart = [];
    /// <summary>The change this node coordinates, if any: at most one at a time.</summary>
    public Coordination? Active { get; private set; }
    /// <summary>
    /// When this node last saw each member Joined (after any input). Read off the loop by the agent's recovery of other
    /// nodes' dirty regions (<see cref="Resync.DirtyRegions.WriterIsBack"/>), hence concurrent.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> seenJoined = new(StringComparer.Ordinal);

    /// <summary>When this node last saw <paramref name="member"/> Joined; null if never.</summary>
    public DateTimeOffset? SeenJoined(string member) => seenJoined.TryGetValue(member, out var at) ? at : null;

    /// <summary>When this node's kernel was asked to quiesce for each transaction (its freeze starts there).</summary>
    private readonly Dictionary<string, DateTimeOffset> quiescedAt = [];
    /// <summary>The disks the agent saw when it handed over the last request that carried them (checks and views use them).</summary>
    private List<DiskInfo> visible = [];
    /// <summary>Whether this node holds its shared groups' I/O at the gate (a <see cref="Fence"/> without its <see cref="Unfence"/> yet).</summary>
    private bool fenced;

    // The two-node disk lease.

    /// <summary>When this node last started a lease round.</summary>
    private DateTimeOffset lastLeaseRound = DateTimeOffset.MinValue;
    /// <summary>A lease round was asked for and its result has not come back.</summary>
    private bool leaseRoundPending;
    /// <summary>How many disks the last tally counted over (0: no round has counted yet).</summary>
    private int leaseDisks;
    /// <summary>The node holding the lease on a majority of <see cref="leaseSet"/> at the last round, and until when.</summary>
    private string? leaseHolder;
    private DateTimeOffset leaseUntil;
    /// <summary>The whole disk set both nodes count the lease over; it only grows (see the lease's summary).</summary>
    private readonly SortedSet<string> leaseSet = new(StringComparer.Ordinal);
}
