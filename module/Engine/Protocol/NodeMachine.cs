using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

public enum NodePhase { Discovering, Joining, Joined, Left }

/// <summary>A configured peer: its name, interconnect address and position in the cluster definition.</summary>
public sealed record PeerAddress(string Name, string Address, int Order);

/// <summary>
/// One node's protocol logic — membership, coordinator and participant — as a pure state machine:
/// an input in, effects out. No clock, socket or file: the agent and the simulator host it alike.
/// </summary>
public sealed partial class NodeMachine
{
    public NodeMachine(string self, IReadOnlyList<PeerAddress> cluster, ProtocolOptions options, Random random,
        int processId, NodeDatabase database, IEnumerable<TransactionRecord> journal)
    {
        this.self = self;
        selfAddress = cluster.Single(p => p.Name == self);
        peers = cluster.Where(p => p.Name != self).ToList();
        this.options = options;
        this.random = random;
        this.processId = processId;
        Database = database;
        Epoch = database.Epoch;
        foreach (var record in journal) Remember(record);
        foreach (var record in Records.Where(r => r is { State: TransactionState.Prepared, Decided: false, NotifyFirst: not null } && r.Transaction.Coordinator == self))
            undecidedAtStart.Add(record.Transaction.Id);
    }

    public string Name => self;
    public IEnumerable<TransactionRecord> Records => recordOrder.Select(id => records[id]);
    public bool IsMaster => Phase == NodePhase.Joined && Master == self;

    public IReadOnlyList<Effect> Handle(Input input)
    {
        outbox.Clear();
        clock = input.Now;
        switch (input)
        {
            case Started s: OnStarted(s.Now); break;
            case Tick t: OnTick(t.Now); break;
            case Received r: OnMessage(r.Now, r.Message); break;
            case PeerLost l: OnPeerLost(l.Now, l.Peer); break;
            case Requested q: OnRequest(q.Now, q.RequestId, q.Request); break;
            case Quiesced q: OnQuiesced(q); break;
            case LeaseRenewed l: OnLeaseRenewed(l); break;
            case RangeCopied c: OnRangeCopied(c); break;
        }
        SettlePendingVoters();
        MakeMembershipDurable();
        ServesOneConfiguration = Active is null && switching.Count == 0 && !Current.Any(m => m.State == MemberState.Down);
        foreach (var member in Current)
            if (member.State == MemberState.Joined) seenJoined[member.Name] = clock;
        return outbox.ToList();
    }

    private void OnMessage(DateTimeOffset now, Message message)
    {
        // Removed for good, it hears no peer; its own messages still finish a private change it had already decided.
        if ((removedForGood && message.From != self) || IsStranger(message.From)) return;
        // A master that discovers has restarted: it counts as alive once it acts as master again (resumes), or a member
        // whose word it will not take would name it master for good and nobody would form the cluster.
        if (!(message is Discover && message.From == Master && Phase == NodePhase.Joined)) Heard(message.From, now);
        HeardEpoch(message);
        switch (message)
        {
            case Discover d: OnDiscover(now, d); break;
            case DiscoverReply r: OnDiscoverReply(now, r); break;
            case JoinRequest j: OnJoinRequest(now, j); break;
            case JoinAccepted a: OnJoinAccepted(now, a); break;
            case MembershipUpdate u: OnMembershipUpdate(now, u); break;
            case Heartbeat h: OnHeartbeat(now, h); break;
            case LeaveNotice l: OnLeaveNotice(now, l); break;
            case Prepare p: OnPrepare(now, p); break;
            case Prepared p: OnPrepared(now, p); break;
            case CommitNotice c: OnCommitNotice(now, c); break;
            case CommitAck a: OnCommitAck(now, a); break;
            case AbortNotice a: OnAbortNotice(now, a); break;
            case OutcomeQuery q: OnOutcomeQuery(now, q); break;
            case KernelChangeProposal k: OnKernelChangeProposal(now, k); break;
            case KernelChangeAnswer k: OnKernelChangeAnswer(k); break;
            case RangeRepair r: OnRangeRepair(r); break;
            case RangeRepaired r: OnRangeRepaired(r); break;
        }
    }

    private void Emit(Effect effect) => outbox.Add(effect);

    private void SendTo(string node, Message message)
    {
        message.From = self;
        message.Epoch = Epoch;
        if (message is MembershipUpdate update) update.Generation = Database.Generation;
        Emit(new Send(node, message));
    }

    private void Log(string text) => Emit(new Protocol.Log(text));

    private MemberInfo? Member(string name) => Members.FirstOrDefault(m => m.Name == name);

    private IEnumerable<MemberInfo> Current => Members.Where(m => m.State is MemberState.Joined or MemberState.Down);

    private IEnumerable<string> Others => Current.Where(m => m.Name != self).Select(m => m.Name);

    private TransactionRecord? Record(string id) => records.GetValueOrDefault(id);

    private void Remember(TransactionRecord record)
    {
        if (!records.ContainsKey(record.Transaction.Id)) recordOrder.Add(record.Transaction.Id);
        records[record.Transaction.Id] = record;
        const int keep = 200;
        while (recordOrder.Count > keep)
        {
            records.Remove(recordOrder[0]);
            recordOrder.RemoveAt(0);
        }
    }

    /// <summary>Drops a record that was never journalled (a check of a proposal withdrawn).</summary>
    private void Forget(string id)
    {
        if (records.Remove(id)) recordOrder.Remove(id);
    }

    private void Keep(TransactionRecord record, bool durable, bool stamp = true)
    {
        if (stamp) Stamp(record);
        Remember(record);
        if (durable) Emit(new PersistRecord(record));
    }

    /// <summary>Carries the timeline over from the record this one replaces and notes the phase it is in on this node.</summary>
    private void Stamp(TransactionRecord record)
    {
        if (record.Phases.Count == 0 && Record(record.Transaction.Id) is { } before && !ReferenceEquals(before, record)) record.Phases = [.. before.Phases];
        var phase = record.State == TransactionState.Prepared && record.Decided ? "Decided" : record.State.ToString();
        if (record.Phases.LastOrDefault(p => p.Node == self)?.Phase != phase) Note(record, phase, record.Updated, self);
    }

    private static void Note(TransactionRecord record, string phase, DateTimeOffset at, string node) =>
        record.Phases.Add(new TransactionPhase { Phase = phase, At = at, Node = node });

    /// <summary>
    /// Notes another node's phase on this node's record of a transaction. A record once kept is never changed in
    /// place (replies and the journal may still be serialising it on another thread): a copy replaces it.
    /// </summary>
    private void NoteOf(string transactionId, string phase, DateTimeOffset at, string node)
    {
        if (Record(transactionId) is not { } record) return;
        var noted = record.With(record.State, record.Updated);
        Note(noted, phase, at, node);
        Remember(noted);
    }
}
