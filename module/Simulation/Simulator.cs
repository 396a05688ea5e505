using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Simulation.Invariants;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Storage;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Simulation;

/// <summary>
/// Many <see cref="NodeMachine"/>s in one process, driven by one seeded random source and a simulated
/// clock: a discrete-event loop carries out each machine's effects — durable writes into the node's
/// store, sends through <see cref="SimNetwork"/>, quiesce and resume in <see cref="SimKernel"/>, replies
/// to the endpoints the real <see cref="Initiator"/> calls — and feeds the invariant monitors as it goes.
/// Nothing reads the wall clock or the thread pool: one seed replays one run exactly.
/// </summary>
public sealed class Simulator
{
    public static readonly DateTimeOffset Origin = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly PriorityQueue<Action, (long Time, long Sequence)> queue = new();
    private readonly Dictionary<long, (SimNode Node, TaskCompletionSource<ControlResponse> Reply)> pending = [];
    private readonly SimSynchronizationContext context = new();
    private readonly List<SimNode> nodes = [];
    private readonly Dictionary<string, SimNode> byName = [];
    private long sequence;
    private long now;
    private long nextRequest;
    private int nextPid = 4000;
    private readonly SortedSet<string> defined = new(StringComparer.Ordinal);
    private readonly HashSet<string> definitionChanges = [];
    private readonly HashSet<string> retired = [];

    public Simulator(SimulationOptions options)
    {
        Options = options;
        Random = new Random(options.Seed);
        Trace = new SimTrace(options.TraceLines);
        ClusterId = NewGuid();
        Cluster = Enumerable.Range(1, options.Nodes).Select(i => new PeerAddress($"n{i}", $"10.0.{i / 250}.{i % 250}:7400", i)).ToList();
        Initial = new NodeDatabase { ClusterId = ClusterId };
        defined.UnionWith(Cluster.Take(options.DefinedNodes ?? options.Nodes).Select(p => p.Name));
        for (var i = 0; i < options.Nodes; i++)
        {
            var defined = Cluster.Take(options.DefinedNodes ?? options.Nodes).ToList();
            var node = new SimNode(i, Cluster[i], Initial.Clone(), defined.Contains(Cluster[i]) ? defined : [.. defined, Cluster[i]]);
            nodes.Add(node);
            byName[node.Name] = node;
        }
        Disks = new SimDisks(options.SharedDisks, NewGuid);
        foreach (var node in nodes)
            foreach (var disk in Disks.Names)
                if (options.DiskInvisibleRate > 0 && Chance(options.DiskInvisibleRate)) node.InvisibleDisks.Add(disk);
        Network = new SimNetwork(this, options.Nodes);
        Ledger = new DecisionLedger(Initial);
        Data = new SimData(this);
        Drl = new SimDirtyRegions(this);
        Recovery = new SimRecovery(this);
        Time = new SimTimeProvider(this);
    }

    /// <summary>The simulated clock for code that waits (timers fire as simulator events).</summary>
    public TimeProvider Time { get; }

    public SimulationOptions Options { get; }
    public Random Random { get; }
    public SimTrace Trace { get; }
    public Guid ClusterId { get; }
    public IReadOnlyList<PeerAddress> Cluster { get; }
    public NodeDatabase Initial { get; }
    public IReadOnlyList<SimNode> Nodes => nodes;
    public SimDisks Disks { get; }
    public SimNetwork Network { get; }
    /// <summary>The durable history, checked as it grows (invariants 2, 3, 4, 6).</summary>
    public DecisionLedger Ledger { get; }
    /// <summary>The volumes' data and the writes acknowledged (invariant 7).</summary>
    public SimData Data { get; }
    /// <summary>The nodes' dirty region logs, and the recoveries that copy what a node left in flight (invariant 8).</summary>
    public SimDirtyRegions Drl { get; }
    public SimRecovery Recovery { get; }
    /// <summary>Every invariant broken so far, the ledger's included.</summary>
    public List<Violation> Violations { get; } = [];
    /// <summary>Transactions the master reported complete, with the time.</summary>
    public List<(TimeSpan At, string Master, Transaction Transaction)> Completed { get; } = [];
    public long Events { get; private set; }

    public TimeSpan Elapsed => TimeSpan.FromTicks(now);
    public DateTimeOffset Now => Origin + Elapsed;
    public SimNode Node(string name) => byName[name];

    /// <summary>
    /// The cluster's definition as the commits made it: the nodes defined at first, with each committed AddNode and
    /// RemoveNode applied once, when its first member commits it (changes commit one at a time, in generation order).
    /// A spare host never added and a node removed for good are not in it, and no invariant counts them.
    /// </summary>
    public IReadOnlyCollection<string> Defined => defined;

    public bool InCluster(SimNode node) => defined.Contains(node.Name);

    /// <summary>Hosts a committed RemoveNode took out of the cluster: never added again.</summary>
    public IReadOnlySet<string> Retired => retired;

    private void DefinitionCommitted(Transaction tx)
    {
        if (!tx.Operations.Any(o => o is Engine.Operations.AddNode or Engine.Operations.RemoveNode) || !definitionChanges.Add(tx.Id)) return;
        foreach (var op in tx.Operations)
            if (op is Engine.Operations.AddNode add) defined.Add(add.Node.Name);
            else if (op is Engine.Operations.RemoveNode remove && defined.Remove(remove.Node)) retired.Add(remove.Node);
        Trace.Add(Elapsed, $"the cluster is now [{string.Join(",", defined)}] ({tx.Id} committed)");
    }

    /// <summary>Every violation: the ones found live plus the ledger's.</summary>
    public IEnumerable<Violation> AllViolations => Violations.Concat(Ledger.Violations);

    /// <summary>Ends the history: what the ledger held back for a commit that never came is reported.</summary>
    public void Complete() => Ledger.Complete();

    // ---- randomness -------------------------------------------------------------------------

    public bool Chance(double p) => Random.NextDouble() < p;

    public TimeSpan Between(TimeSpan min, TimeSpan max) =>
        max <= min ? min : TimeSpan.FromTicks(min.Ticks + (long)(Random.NextDouble() * (max.Ticks - min.Ticks)));

    public T Pick<T>(IReadOnlyList<T> items) => items[Random.Next(items.Count)];

    public Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.NextBytes(bytes);
        return new Guid(bytes);
    }

    // ---- the event loop ---------------------------------------------------------------------

    /// <summary>Runs <paramref name="action"/> after <paramref name="delay"/> of simulated time (events at one time run in the order scheduled).</summary>
    public void At(TimeSpan delay, Action action) => queue.Enqueue(action, (now + Math.Max(0, delay.Ticks), sequence++));

    /// <summary>Runs <paramref name="action"/> now, with the simulator's synchronisation context installed (for starting initiators).</summary>
    public void Run(Action action) => context.Run(action);

    /// <summary>Runs every event up to <paramref name="duration"/> from now.</summary>
    public void RunFor(TimeSpan duration)
    {
        var limit = now + duration.Ticks;
        context.Run(() =>
        {
            while (queue.TryPeek(out var action, out var at) && at.Time <= limit)
            {
                queue.Dequeue();
                now = at.Time;
                Events++;
                action();
                context.Pump();
            }
        });
        now = Math.Max(now, limit);
    }

    /// <summary>Runs until <paramref name="done"/> holds (tested every <paramref name="every"/>) or <paramref name="max"/> has passed; returns whether it held.</summary>
    public bool RunUntil(Func<bool> done, TimeSpan max, TimeSpan? every = null)
    {
        var step = every ?? TimeSpan.FromMilliseconds(50);
        var end = now + max.Ticks;
        while (!done())
        {
            if (now >= end) return false;
            RunFor(TimeSpan.FromTicks(Math.Min(step.Ticks, end - now)));
        }
        return true;
    }

    // ---- agents -----------------------------------------------------------------------------

    /// <summary>
    /// What the agent's store makes durable: the change since the last durable database, as its journal holds it,
    /// applied to that database (as recovery replays it); a change the journal cannot express is a snapshot. The ledger
    /// then checks the replayed database, so a change the journal loses is a violation in every seed.
    /// </summary>
    private NodeDatabase Journaled(NodeDatabase before, NodeDatabase after)
    {
        if (DatabaseChange.Between(before, after) is not { } change) return after.Clone();
        if (Options.WireRoundTrip) change = WireJson.Deserialize<DatabaseChange>(WireJson.Serialize(change));
        return change.ApplyTo(before);
    }

    /// <summary>Starts (or restarts) a node's agent from its durable state; it discovers the cluster and joins or forms it.</summary>
    public void Start(SimNode node)
    {
        if (node.Running) return;
        node.Incarnation++;
        node.ProcessId = nextPid += 1 + Random.Next(50);
        var database = Options.WireRoundTrip ? DatabaseYaml.Read(DatabaseYaml.Write(node.Durable), node.Name) : node.Durable.Clone();
        var journal = node.LoadJournal(Options.WireRoundTrip ? r => WireJson.Deserialize<TransactionRecord>(WireJson.Serialize(r)) : r => r);
        if (node.Incarnation > 1) Ledger.Restarted(node.Name, database, journal);
        node.Machine = new NodeMachine(node.Name, node.Definition, Options.Protocol, new Random(Random.Next()), node.ProcessId, database, journal);
        node.Kernel = new SimKernel(this, node);
        node.Leases = new LeaseSlots(Time);
        Trace.Add(Elapsed, $"{node.Name} agent starts (pid {node.ProcessId}, generation {database.Generation}, {journal.Count} journal records)");
        var incarnation = node.Incarnation;
        At(Between(TimeSpan.Zero, Options.TickInterval), () => TickLoop(node, incarnation));
        if (Options.Kernel.IoInterval > TimeSpan.Zero) At(Between(TimeSpan.Zero, Options.Kernel.IoInterval * 2), () => IoLoop(node, incarnation));
        At(RelocationPeriod, () => RelocationLoop(node, incarnation));
        At(RecoveryPeriod, () => RecoveryLoop(node, incarnation, 0));   // no draw from the random source: schedules written against a seed keep their history
        Network.Restarted(node);
        Feed(node, new Started(Now));
    }

    /// <summary>The node's agent dies at once: memory, kernel and connections are gone; the durable store stays.</summary>
    public void Crash(SimNode node)
    {
        if (node.Machine is null) return;
        Trace.Add(Elapsed, $"{node.Name} agent CRASHES (was {node.Machine.Phase}{(node.Machine.IsMaster ? ", master" : "")})");
        Data.Crashed(node);
        node.Machine = null;
        node.Kernel.Stop();
        node.CrashBefore = null;
        foreach (var (id, request) in pending.Where(p => p.Value.Node == node).OrderBy(p => p.Key).ToList())
        {
            pending.Remove(id);
            At(Options.Network.ControlLatency, () => request.Reply.TrySetException(new EndpointException(node.Name, ErrorIds.AgentNotRunning,
                $"node {node.Name}: the agent went away before answering.")));
        }
        Network.Crashed(node);
    }

    public void Restart(SimNode node)
    {
        Crash(node);
        Start(node);
    }

    private void TickLoop(SimNode node, int incarnation)
    {
        if (node.Incarnation != incarnation || !node.Running) return;
        Feed(node, new Tick(Now));
        At(Options.TickInterval, () => TickLoop(node, incarnation));
    }

    private void IoLoop(SimNode node, int incarnation)
    {
        if (node.Incarnation != incarnation || node.Machine is not { } machine) return;
        var shared = machine.Database.Shared;
        if (machine.Phase == NodePhase.Joined && shared.Count > 0)
        {
            var group = shared[Random.Next(shared.Count)];
            var duration = Between(TimeSpan.FromMilliseconds(1), Options.Kernel.IoMaxDuration);
            if (group.Volumes.Count > 0) Data.Submit(node, group, duration);
            else node.Kernel.Submit(group.Name, duration);
        }
        At(Between(TimeSpan.Zero, Options.Kernel.IoInterval * 2), () => IoLoop(node, incarnation));
    }

    private static readonly TimeSpan RecoveryPeriod = TimeSpan.FromMilliseconds(100);
    private const int LookEvery = 3;
    private const int CleanEvery = 5;

    /// <summary>The agent's recovery service and dirty region log cleaner: a copy step every period, a look for what to recover and a clean every few.</summary>
    private void RecoveryLoop(SimNode node, int incarnation, int round)
    {
        if (node.Incarnation != incarnation || !node.Running) return;
        Recovery.Step(node, round % LookEvery == 0);
        if (round % CleanEvery == 0) Drl.Clean(node);
        At(RecoveryPeriod, () => RecoveryLoop(node, incarnation, round + 1));
    }

    private static readonly TimeSpan RelocationPeriod = TimeSpan.FromMilliseconds(500);

    /// <summary>The master's relocation service (the agent's RelocationService): each detached plex moves off its failed disk, one request at a time.</summary>
    private void RelocationLoop(SimNode node, int incarnation)
    {
        if (node.Incarnation != incarnation || node.Machine is not { } machine) return;
        var wanted = machine.IsMaster
            ? machine.Database.Shared.SelectMany(g => Engine.Allocation.Relocation.Wanted(g).Select(w => Engine.Allocation.Relocation.Plan(g, w.Volume, w.Plex).Move)).OfType<Engine.Operations.RelocatePlex>().FirstOrDefault()
            : null;
        if (wanted is null) { At(RelocationPeriod, () => RelocationLoop(node, incarnation)); return; }
        Trace.Add(Elapsed, $"{node.Name} relocates plex {wanted.Plex} of {wanted.DiskGroup}/{wanted.Volume}");
        Run(() => Request(node.Name, new KernelChangeRequest { Scope = TransactionScope.Shared, Operations = [wanted] })
            .ContinueWith(_ => At(RelocationPeriod, () => RelocationLoop(node, incarnation)), TaskScheduler.FromCurrentSynchronizationContext()));
    }

    internal void Deliver(SimNode to, Message message) => Feed(to, new Received(Now, message));

    /// <summary>
    /// The transactions these effects commit on a node that prepared for them (not a join taking over an outcome):
    /// invariant 5 concerns the kernel applying those.
    /// </summary>
    private static Dictionary<string, Transaction>? CommitsPrepared(SimNode node, IReadOnlyList<Effect> effects)
    {
        Dictionary<string, Transaction>? committing = null;
        foreach (var effect in effects)
            if (effect is PersistRecord { Record: { State: TransactionState.Committed } record } && node.LastState(record.Transaction.Id) == TransactionState.Prepared)
                (committing ??= [])[record.Transaction.Id] = record.Transaction;
        return committing;
    }

    /// <summary>Hands one input to a running node's machine and carries out its effects.</summary>
    public void Feed(SimNode node, Input input)
    {
        if (node.Machine is not { } machine) return;
        if (Trace.Enabled && input is not Tick) Trace.Add(Elapsed, $"{node.Name}[{machine.Phase}{(machine.IsMaster ? ",M" : "")}] <- {Describe(input)}");
        var effects = machine.Handle(input);
        Execute(node, machine, effects);
    }

    private void Execute(SimNode node, NodeMachine machine, IReadOnlyList<Effect> effects)
    {
        var incarnation = node.Incarnation;
        HashSet<string>? preparing = null;
        var committing = CommitsPrepared(node, effects);
        foreach (var effect in effects)
        {
            if (node.CrashBefore is { } trigger && trigger(effect))
            {
                Trace.Add(Elapsed, $"{node.Name} dies just before {Describe(effect)}");
                Crash(node);
                break;
            }
            if (Trace.Enabled && effect is not Send { Message: Heartbeat }) Trace.Add(Elapsed, $"{node.Name} -> {Describe(effect)}");
            switch (effect)
            {
                case Send { Message: Prepare p } s:
                    if ((preparing ??= []).Add(p.Transaction.Id))
                        Ledger.PrepareStarted(node.Name, p.Transaction, machine.Members.Where(m => m.State is MemberState.Joined or MemberState.Down).Select(m => m.Name));
                    SendMessage(node, incarnation, s);
                    break;
                case Send s: SendMessage(node, incarnation, s); break;
                case PersistDatabase p:
                    node.Durable = Journaled(node.Durable, p.Database);
                    Ledger.DatabasePersisted(node.Name, node.Durable);
                    break;
                case PersistRecord r:
                    node.Append(r.Record);
                    Ledger.RecordPersisted(node.Name, r.Record, machine.IsMaster);
                    if (r.Record.State == TransactionState.Committed) DefinitionCommitted(r.Record.Transaction);
                    break;
                case Reply r: Answer(node, machine, r); break;
                case Fence f: node.Kernel.Hold(NodeMachine.FenceId, f.DiskGroups); break;
                case Unfence: node.Kernel.Resume(NodeMachine.FenceId); break;
                case Quiesce q:
                    node.Kernel.Quiesce(q.TransactionId, q.DiskGroups, problem =>
                    {
                        if (node.Incarnation != incarnation) return;
                        Feed(node, new Quiesced(Now, q.TransactionId, problem is null,
                            problem is null ? null : $"node {node.Name} refused to prepare: {problem}", Disks.Visible(node)));
                    });
                    break;
                case Resume r:
                    // Invariant 5: the kernel switched to the committed configuration before its gate opens again.
                    if (committing?.TryGetValue(r.TransactionId, out var tx) == true
                        && ClusterInvariants.NoIoInFlightAtCommit(node.Name, tx, node.Kernel.InFlight) is { } busy)
                        Violations.Add(busy);
                    node.Kernel.Resume(r.TransactionId);
                    break;
                case WriteDiskCopies w: Disks.Write(node, w.Before, w.After, w.DiskGroups); break;
                case RenewLease l:
                    At(TimeSpan.FromMilliseconds(1), () => { if (node.Incarnation == incarnation) Feed(node, Disks.RenewLease(node, l.Lease, Now)); });
                    break;
                case DefineNode d:
                    node.Definition.RemoveAll(p => p.Name == d.Node.Name);
                    node.Definition.Add(Cluster.First(p => p.Name == d.Node.Name));
                    break;
                case UndefineNode u: node.Definition.RemoveAll(p => p.Name == u.Node); break;
                case CopyRange c: Data.Repair(node, c); break;
                case Log: break;
            }
        }
        Ledger.Flush();
    }

    private void SendMessage(SimNode node, int incarnation, Send send)
    {
        var message = SimCopy.Message(send.Message, Options.WireRoundTrip);
        if (send.To == node.Name)
        {
            At(TimeSpan.Zero, () => { if (node.Incarnation == incarnation) Deliver(node, message); });
            return;
        }
        if (!byName.TryGetValue(send.To, out var to)) return;
        Network.Send(node, to, message);
    }

    // ---- the control socket and the endpoints ----------------------------------------------

    /// <summary>
    /// A request to a node's own agent, as its endpoint makes it: the agent host fills in the disks it
    /// scans; an agent that is not running (or dies before answering) fails the call with AgentNotRunning.
    /// </summary>
    public Task<ControlResponse> Request(string nodeName, ControlRequest request)
    {
        var node = Node(nodeName);
        var reply = new TaskCompletionSource<ControlResponse>();
        var copy = SimCopy.Request(request, Options.WireRoundTrip);
        At(Options.Network.ControlLatency, () =>
        {
            if (!node.Running)
            {
                reply.TrySetException(new EndpointException(node.Name, ErrorIds.AgentNotRunning, $"node {node.Name}: no agent answers on the control socket."));
                return;
            }
            switch (copy)
            {
                case ViewQuery v: v.Visible = Disks.Visible(node); break;
                case CheckRequest c: c.Visible = Disks.Visible(node); break;
                case BeginRequest { Check: true } b: b.Visible = Disks.Visible(node); break;
            }
            var id = ++nextRequest;
            pending[id] = (node, reply);
            Feed(node, new Requested(Now, id, copy));
        });
        return reply.Task;
    }

    private void Answer(SimNode node, NodeMachine machine, Reply reply)
    {
        if (reply.Response is { Ok: true, Record: { State: TransactionState.Committed } record } && machine.IsMaster
            && record.Transaction.Scope == TransactionScope.Shared)
            OnCompleted(node, machine, record.Transaction);
        if (!pending.Remove(reply.RequestId, out var waiting)) return;
        var response = SimCopy.Response(reply.Response, Options.WireRoundTrip);
        At(Options.Network.ControlLatency, () => waiting.Reply.TrySetResult(response));
    }

    /// <summary>Invariant 1 at the moment the master reports a change complete.</summary>
    private void OnCompleted(SimNode master, NodeMachine machine, Transaction tx)
    {
        if (Completed.Any(c => c.Transaction.Id == tx.Id)) return;
        Completed.Add((Elapsed, master.Name, tx));
        Violations.AddRange(ClusterInvariants.AfterCompletedChange(NodeSnapshot.Of(machine), tx, Snapshots()));
    }

    /// <summary>Every node of the cluster as a monitor sees it: running ones from their machines, stopped ones from their durable store.</summary>
    public List<NodeSnapshot> Snapshots() => nodes.Where(InCluster).Select(n => n.Machine is { } m
        ? NodeSnapshot.Of(m)
        : NodeSnapshot.Stopped(n.Name, n.Durable, n.LoadJournal(r => r), n.Definition.Select(p => p.Name))).ToList();

    /// <summary>A deterministic endpoint per node for the real <see cref="Initiator"/>.</summary>
    public IReadOnlyDictionary<string, IVmEndpoint> Endpoints() => nodes.ToDictionary(n => n.Name, n => (IVmEndpoint)new SimEndpoint(this, n.Name));

    // ---- describing -------------------------------------------------------------------------

    private static string Describe(Input input) => input switch
    {
        Received r => $"{Describe(r.Message)} from {r.Message.From} (epoch {r.Message.Epoch})",
        PeerLost l => $"PeerLost({l.Peer})",
        Requested q => $"request #{q.RequestId} {q.Request.GetType().Name}{(q.Request is CommitRequest c ? " " + c.TransactionId : q.Request is AbortRequest a ? " " + a.TransactionId : q.Request is CheckRequest k ? " " + k.Transaction.Id : "")}",
        Quiesced q => $"Quiesced({q.TransactionId}, ok={q.Ok})",
        LeaseRenewed l => $"LeaseRenewed({l.Slots.Count(s => s.Counts is not null)} of {l.Slots.Count} slots counted)",
        RangeCopied c => $"RangeCopied(#{c.Ref} for {c.Requester}, {(c.Ok ? "ok" : c.Error)})",
        _ => input.GetType().Name,
    };

    private static string Describe(Message message) => message switch
    {
        Prepare p => $"Prepare({p.Transaction.Id} members [{string.Join(",", p.Transaction.Members)}])",
        Prepared p => $"Prepared({p.TransactionId}, ok={p.Ok}{(p.Ok ? "" : ", " + p.ErrorId)})",
        CommitNotice c => $"CommitNotice({c.TransactionId}{(c.Transaction is null ? "" : " +tx")}{(c.AheadOfDecision ? ", ahead of the decision" : "")})",
        OutcomeQuery q => $"OutcomeQuery({q.TransactionId})",
        CommitAck a => $"CommitAck({a.TransactionId}, gen {a.Generation})",
        AbortNotice a => $"AbortNotice({a.TransactionId}, {a.ErrorId})",
        JoinRequest j => $"JoinRequest(gen {j.Generation})",
        JoinAccepted j => $"JoinAccepted(master {j.Master}, gen {j.Generation}, [{string.Join(",", j.Members.Select(m => m.Name + ":" + m.State))}])",
        MembershipUpdate u => $"MembershipUpdate(master {u.Master}, [{string.Join(",", u.Members.Select(m => m.Name + ":" + m.State))}]{(u.Decided is null ? "" : $", {u.Decided} decided")})",
        DiscoverReply d => $"DiscoverReply(master {d.Master ?? "-"}{(d.PromisedTo is { } p ? $", promised to {p}" : "")})",
        Heartbeat h => $"Heartbeat(gen {h.Generation})",
        Discover { FormingAt: { } g } => $"Discover(forming at gen {g})",
        _ => message.GetType().Name,
    };

    private static string Describe(Effect effect) => effect switch
    {
        Send s => $"{s.To}: {Describe(s.Message)}",
        PersistRecord r => $"persist {r.Record.Transaction.Id} {r.Record.State}{(r.Record.Decided ? " (decided)" : "")}",
        PersistDatabase d => $"persist database generation {d.Database.Generation} [{string.Join(",", d.Database.Shared.Select(g => g.Name))}]",
        Reply r => $"reply #{r.RequestId} {(r.Response.Ok ? "ok" : r.Response.ErrorId)}{(r.Response.Transaction is { } t ? " " + t.Id : "")}",
        Quiesce q => $"quiesce {q.TransactionId} [{string.Join(",", q.DiskGroups)}]",
        Resume r => $"resume {r.TransactionId}",
        Fence f => $"fence [{string.Join(",", f.DiskGroups)}]",
        Unfence => "unfence",
        WriteDiskCopies w => $"write disk copies [{string.Join(",", w.DiskGroups)}]",
        RenewLease l => $"renew lease until {l.Lease.Expires:HH:mm:ss.fff}",
        CopyRange c => $"copy {c.DiskGroup}/{c.Volume} bytes {c.Offset}+{c.Length} for {c.Requester} #{c.Ref}",
        Log l => $"log: {l.Text}",
        _ => effect.GetType().Name,
    };
}
