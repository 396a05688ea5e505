using System.Diagnostics;
using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using VolumeManager.Agent.Kernel;
using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Engine.Serialization;
using VolumeManager.Transport;

namespace VolumeManager.Agent.Hosting;

/// <summary>
/// Hosts one node's state machine: feeds it timer ticks, interconnect messages and control requests
/// on a single loop, and carries out its effects (durable writes first, then sends and replies).
/// </summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly ClusterDefinition cluster;
    private readonly NodeDefinition node;
    private readonly StateDirectory state;
    private readonly AgentLog log;
    private readonly Channel<Input> inputs = Channel.CreateUnbounded<Input>(new() { SingleReader = true });
    private readonly ConcurrentDictionary<long, TaskCompletionSource<ControlResponse>> pending = new();
    private readonly ConcurrentDictionary<long, string> pendingKind = new();
    private readonly VolumeKernel kernel;
    private readonly DiskScanner scanner;
    private readonly DiskCopyWriter diskCopies;
    private readonly DiskCopyReader copyReader;
    private readonly DiskLeaseWriter leases;
    private readonly ConfigBackups backups;
    private readonly FaultHook faults;
    private readonly AgentTrace trace;
    private NodeMachine machine = null!;
    private Interconnect interconnect = null!;
    private ControlServer control = null!;
    private ConfigStore store = null!;
    private long nextRequest;
    private VolumeIo? io;
    private Nbd.NbdServer? nbd;

    private ResyncService resync = null!;
    private DefinitionFile definitionFile = null!;
    private readonly TaskRegistry tasks = new();
    private RecoveryService recovery = null!;
    private RangeRepairer repairer = null!;
    private HeartbeatPacer pacer = null!;
    private int leaseRoundRunning;

    private VolumeIo Io => io ??= new VolumeIo(kernel, () => machine.Database, scanner, new PlexDetacher(node.Name, () => machine.Database, new KernelChanges(SubmitAsync), log.Write));

    public AgentHost(ClusterDefinition cluster, NodeDefinition node, StateDirectory state, AgentLog log, FaultHook faults)
    {
        this.cluster = cluster;
        this.node = node;
        this.state = state;
        this.log = log;
        this.faults = faults;
        trace = new AgentTrace(log);
        kernel = new VolumeKernel(cluster.IoDrainTimeout);
        scanner = new DiskScanner(node.Disks, log.Write);
        diskCopies = new DiskCopyWriter(log.Write);
        copyReader = new DiskCopyReader(scanner);
        leases = new DiskLeaseWriter(log.Write);
        backups = new ConfigBackups(state.Files, node.Name, cluster.ConfigBackups, log.Write);
    }

    public async Task RunAsync(CancellationToken ct)
    {
        await StartAsync(ct);
        using var ticker = TickAsync(ct).ContinueWith(_ => { }, TaskScheduler.Default);
        using var pump = PumpInterconnectAsync(ct).ContinueWith(_ => { }, TaskScheduler.Default);
        using var resyncing = resync.RunAsync(TimeSpan.FromMilliseconds(250), ct).ContinueWith(_ => { }, TaskScheduler.Default);
        using var relocating = new RelocationService(() => machine.Database, Coordinates, new KernelChanges(SubmitAsync), log.Write)
            .RunAsync(TimeSpan.FromMilliseconds(500), ct).ContinueWith(_ => { }, TaskScheduler.Default);
        using var recovering = recovery.RunAsync(TimeSpan.FromMilliseconds(250), ct).ContinueWith(_ => { }, TaskScheduler.Default);
        using var pacing = pacer.RunAsync(ct).ContinueWith(_ => { }, TaskScheduler.Default);
        Feed(new Started(Now));
        await foreach (var input in inputs.Reader.ReadAllAsync(ct))
        {
            trace.Input(input);
            Execute(input is Released released ? released.Effects : machine.Handle(input), hold: input is not Released);
        }
    }

    private async Task StartAsync(CancellationToken ct)
    {
        var token = NodeToken.ReadOrCreate(state.Files.Token);
        store = state.OpenStore(cluster.Id, log.Write);
        var (database, records) = (HeldGroups.Reconcile(node.Name, store.Database, copyReader, store, log.Write), store.Records);
        machine = new NodeMachine(node.Name, cluster.Peers(), cluster.ToProtocolOptions(), new Random(),
            Environment.ProcessId, database, records);
        interconnect = new Interconnect(node.Name, Endpoint(node.Interconnect), ClusterKey.Read(cluster.KeyFile), log.Write,
            new InterconnectOptions { ReconnectDelayMax = cluster.HeartbeatInterval });
        foreach (var peer in cluster.Nodes.Where(n => n.Name != node.Name)) interconnect.RegisterPeer(peer.Name, Endpoint(peer.Interconnect));
        await interconnect.StartAsync(ct);
        definitionFile = new DefinitionFile(cluster, node.Name, log.Write);
        pacer = new HeartbeatPacer(cluster.HeartbeatInterval, (peer, payload) => interconnect.Send(peer, payload));
        control = new ControlServer(state.Files.Socket, token, HandleControlAsync, log.Write);
        await control.StartAsync(ct);
        Io.Drl = new DirtyRegionLog(node.Name, DefinedNodes, Guid.NewGuid(), () => machine.Database, Io.PathOf);   // before the first write
        nbd = new Nbd.NbdServer(state.Files.Nbd, new Nbd.VolumeExports(Io), log.Write);
        nbd.Start();
        var copier = new ResyncCopier(Io);
        resync = new ResyncService(new ResyncHost(node.Name, () => machine.Database, Coordinates, () => machine.ServesOneConfiguration, SubmitAsync, faults.PassAsync, log.Write),
            kernel, copier, tasks);
        Io.Repairs = new RangeRepairs(SubmitAsync, () => machine.Database, log.Write);
        repairer = new RangeRepairer(node.Name, kernel, copier, () => machine.Database, tasks, log.Write);
        recovery = new RecoveryService(new RecoveryHost(node.Name, () => machine.Database, Coordinates, MemberStates, machine.SeenJoined, faults.PassAsync, log.Write),
            Io, kernel, copier, Io.Drl, tasks);
        state.WritePid(Environment.ProcessId);
        log.Write($"started: pid {Environment.ProcessId}, generation {database.Generation}, {records.Count} journal records, interconnect {node.Interconnect}");
    }

    /// <summary>host:port, where host is an address or a name resolved once at start.</summary>
    private static IPEndPoint Endpoint(string hostPort)
    {
        if (IPEndPoint.TryParse(hostPort, out var endpoint)) return endpoint;
        var colon = hostPort.LastIndexOf(':');
        var address = Dns.GetHostAddresses(hostPort[..colon]).First();
        return new IPEndPoint(address, int.Parse(hostPort[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static DateTimeOffset Now => MonotonicClock.Now;

    private void Feed(Input input) => inputs.Writer.TryWrite(input);

    private async Task TickAsync(CancellationToken ct)
    {
        var period = TimeSpan.FromMilliseconds(Math.Max(20, cluster.HeartbeatInterval.TotalMilliseconds / 4));
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(ct)) Feed(new Tick(Now));
    }

    private async Task PumpInterconnectAsync(CancellationToken ct)
    {
        await foreach (var frame in interconnect.Inbound.ReadAllAsync(ct))
        {
            switch (frame)
            {
                case PeerMessage m when faults.Drops(m.From): break; // the link is cut (test fault "drop:<peer>")
                case PeerMessage m: if (Decode(m) is { } received) Feed(received); break;
                case PeerDisconnected d: Feed(new PeerLost(Now, d.From)); break;
            }
        }
    }

    /// <summary>A payload that does not decode is dropped and logged; the link and this loop go on.</summary>
    private Input? Decode(PeerMessage frame)
    {
        try
        {
            var message = WireJson.Deserialize<Message>(frame.Payload);
            message.From = frame.From;
            return new Received(Now, message);
        }
        catch (System.Text.Json.JsonException e)
        {
            log.Write($"dropped a {frame.Payload.Length}-byte message from {frame.From}: it does not decode: {e.Message}");
            return null;
        }
    }

    private async Task<byte[]> HandleControlAsync(byte[] request, CancellationToken ct)
    {
        var parsed = WireJson.Deserialize<ControlRequest>(request);
        switch (parsed)
        {
            case FaultRequest fault: return WireJson.Serialize(Fault(fault));
            case VolumeWriteRequest write: return WireJson.Serialize(await Io.WriteAsync(write, ct));
            case VolumeReadRequest read: return WireJson.Serialize(await Io.ReadAsync(read, ct));
            case DiskCopiesQuery copies: return WireJson.Serialize(new ControlResponse { Ok = true, Copies = copyReader.Read(copies.DiskGroup) });
            case ConfigBackupsQuery b: await backups.Written; return WireJson.Serialize(new ControlResponse { Ok = true, Backups = backups.List(b.DiskGroup, b.Generation) });
            case TaskControlRequest control: return WireJson.Serialize(new TaskCommands(tasks, log.Write).Handle(control));
            case KernelQuery: resync.Settle(); return WireJson.Serialize(new ControlResponse { Ok = true, Kernel = new KernelReport { Node = node.Name, Resyncs = tasks.Snapshot(), Freezes = kernel.Freezes, IoErrors = kernel.IoErrors } });
        }
        var response = await SubmitAsync(parsed, ct);
        if (parsed is TransactionsQuery) response.Records = WithKernelFreezes(response.Records);
        if (parsed is ViewQuery && response.View is { } view) view.ReplayRefused = interconnect.ReplaysRefused;
        return WireJson.Serialize(response);
    }

    /// <summary>
    /// Each final transaction's freeze as this node's kernel measured it — its gates closed to new I/O until they
    /// opened, the longest over its disk groups — where the kernel still holds it; else the machine's own account.
    /// </summary>
    private List<TransactionRecord> WithKernelFreezes(List<TransactionRecord> records)
    {
        var measured = kernel.Freezes.GroupBy(f => f.TransactionId).ToDictionary(g => g.Key, g => g.Max(f => f.Milliseconds));
        return records.Select(record =>
        {
            if (!record.IsFinal || !measured.TryGetValue(record.Transaction.Id, out var ms)) return record;
            var exact = record.With(record.State, record.Updated);
            exact.FreezeMilliseconds = ms;
            return exact;
        }).ToList();
    }

    /// <summary>A request to this node's state machine, answered when the machine replies (the control socket's path, and the resync service's).</summary>
    private async Task<ControlResponse> SubmitAsync(ControlRequest parsed, CancellationToken ct)
    {
        switch (parsed)
        {
            case ViewQuery { MembersOnly: false } v: v.Visible = scanner.Scan(); break;
            case CheckRequest c: c.Visible = scanner.Scan(); break;
            case BeginRequest { Check: true } b: b.Visible = scanner.Scan(); break;
        }
        var id = Interlocked.Increment(ref nextRequest);
        var reply = new TaskCompletionSource<ControlResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = reply;
        pendingKind[id] = parsed.GetType().Name;
        Feed(new Requested(Now, id, parsed));
        try { return await reply.Task.WaitAsync(ct); }
        finally { pending.TryRemove(id, out _); pendingKind.TryRemove(id, out _); }
    }

    /// <summary>The nodes the cluster definition names, in its order (a copy, retried if a committed AddNode or RemoveNode was changing it).</summary>
    private IReadOnlyList<string> DefinedNodes()
    {
        for (var attempt = 0; ; attempt++)
        {
            try { return cluster.Nodes.Select(n => n.Name).ToList(); }
            catch (InvalidOperationException) when (attempt < 3) { }
        }
    }

    /// <summary>The membership as the machine has it now (read off its loop: a copy, retried if the list was being replaced).</summary>
    private IReadOnlyList<(string Name, MemberState State, int ProcessId)> MemberStates()
    {
        for (var attempt = 0; ; attempt++)
        {
            try { return machine.Members.Select(m => (m.Name, m.State, m.ProcessId)).ToList(); }
            catch (InvalidOperationException) when (attempt < 3) { }
        }
    }

    /// <summary>Whether this node runs a group's background work: the master for a shared group, the owner for a private one.</summary>
    private bool Coordinates(DiskGroup group) => group.Shared ? machine.IsMaster : group.Owner == node.Name;

    private ControlResponse Fault(FaultRequest request)
    {
        if (request.Release)
        {
            Feed(new Released(Now, faults.Release()));
            return ControlResponse.Success();
        }
        var rule = request.Arm ?? "";
        if ((rule.StartsWith("drop:", StringComparison.Ordinal) || rule.StartsWith("heal:", StringComparison.Ordinal))
            && !cluster.Nodes.Any(n => n.Name == rule[5..] && n.Name != node.Name))
            return ControlResponse.Failure("FaultRejected", $"'{rule}': {rule[5..]} is not another node of cluster {cluster.Name}.");
        var problem = faults.Arm(rule);
        return problem == "" ? ControlResponse.Success() : ControlResponse.Failure("FaultRejected", problem);
    }

    private void Execute(IReadOnlyList<Effect> effects, bool hold)
    {
        IDisposable? group = null;
        try
        {
            for (var i = 0; i < effects.Count; i++)
            {
                var effect = effects[i];
                // Persists in a row (a commit's database change and its record) share one fsync, made before the next effect.
                if (!IsPersist(effect)) EndGroup(ref group);
                else if (group is null && i + 1 < effects.Count && IsPersist(effects[i + 1])) group = store.Group();
                var points = Points(effect);
                if (hold && !points.All(p => faults.Before(p, effect))) continue;
                var started = Stopwatch.GetTimestamp();
                Carry(effect);
                NoteIfSlow(effect, started);
                trace.Effect(effect, started);
                foreach (var point in points) faults.After(point);
            }
        }
        finally { EndGroup(ref group); }
    }

    private static bool IsPersist(Effect effect) => effect is PersistDatabase or PersistRecord;

    private void EndGroup(ref IDisposable? group)
    {
        if (group is null) return;
        var started = Stopwatch.GetTimestamp();
        using (pacer.DiskIo()) group.Dispose();
        NoteIfSlow("the grouped fsync", started);
        trace.Fsync(started);
        group = null;
    }

    private static readonly TimeSpan SlowEffect = TimeSpan.FromMilliseconds(20);

    /// <summary>An effect that held the agent's loop long (a slow fsync, a slow disk) goes to the log: it shows up in every freeze.</summary>
    private void NoteIfSlow(object what, long started)
    {
        if (what is Quiesce or Send { Message: Heartbeat }) return;
        var took = Stopwatch.GetElapsedTime(started);
        if (took >= SlowEffect) log.Write($"slow: {(what is Effect e ? e.GetType().Name : what)} took {took.TotalMilliseconds:0} ms");
    }

    /// <summary>The fault points of an effect: a send is both "CommitNotice" and "CommitNotice>n3".</summary>
    private string[] Points(Effect effect) => effect switch
    {
        Send s => [s.Message.GetType().Name, $"{s.Message.GetType().Name}>{s.To}"],
        Reply r => ["Reply" + pendingKind.GetValueOrDefault(r.RequestId, "")],
        _ => [effect.GetType().Name],
    };

    private void Carry(Effect effect)
    {
        switch (effect)
        {
            case Send s when s.To == node.Name: Feed(new Received(Now, s.Message)); break;
            case Send s when faults.Drops(s.To): break;
            case Send s: SendToPeer(s); break;
            case PersistDatabase p: using (pacer.DiskIo()) store.SaveDatabase(p.Database); backups.Record(p.Database); break;
            case PersistRecord r: using (pacer.DiskIo()) store.Append(r.Record); break;
            case Reply r: if (pending.TryGetValue(r.RequestId, out var tcs)) tcs.TrySetResult(r.Response); break;
            case Fence f: kernel.Hold(NodeMachine.FenceId, f.DiskGroups); break;
            case Unfence: kernel.Resume(NodeMachine.FenceId); RewriteDirtyRegionsLater(); break;
            case Quiesce q: _ = QuiesceAsync(q); break;
            case Resume r: kernel.Resume(r.TransactionId); break;
            case WriteDiskCopies w: using (pacer.DiskIo()) diskCopies.Write(w.Before, w.After, w.DiskGroups, scanner.Scan(), w.Deported); break;
            case RenewLease l: StartLeaseRound(l); break;
            case DefineNode d: Define(d.Node); break;
            case UndefineNode u: Undefine(u.Node); break;
            case CopyRange c: _ = Task.Run(async () => Feed(await repairer.CopyAsync(c, () => Now, CancellationToken.None))); break;
            case Log l: log.Write(l.Text); break;
        }
    }

    /// <summary>
    /// Back among the members, this node writes its dirty region slots again a little later: a coordinator that
    /// recovered them while it was away may clear one late (<see cref="DirtyRegionLog.Rewrite"/>).
    /// </summary>
    private void RewriteDirtyRegionsLater() =>
        _ = Task.Delay(DirtyRegionRewriteDelay).ContinueWith(_ => Io.Drl?.Rewrite(), TaskScheduler.Default);

    private static readonly TimeSpan DirtyRegionRewriteDelay = TimeSpan.FromSeconds(2);

    /// <summary>A committed AddNode (or a member the master names that this node missed): a peer from now on, and written into cluster.yaml.</summary>
    private void Define(NodeDefinition added)
    {
        if (added.Name == node.Name) return;
        try { interconnect.RegisterPeer(added.Name, Endpoint(added.Interconnect)); }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Net.Sockets.SocketException) { log.Write($"node {added.Name}: its interconnect address {added.Interconnect} is unusable: {e.Message}"); }
        using (pacer.DiskIo()) definitionFile.Define(added);
    }

    private void Undefine(string removed)
    {
        using (pacer.DiskIo()) definitionFile.Undefine(removed);
        if (removed != node.Name) _ = interconnect.RemovePeerAsync(removed).AsTask();
    }

    private void SendToPeer(Send send)
    {
        var payload = WireJson.Serialize<Message>(send.Message);
        try { interconnect.Send(send.To, payload); }
        catch (InvalidOperationException e) { log.Write($"{send.Message.GetType().Name} to {send.To} not sent: {e.Message}"); return; }
        if (send.Message is Heartbeat) pacer.Sent(send.To, payload);
    }

    /// <summary>A lease round reads and fsyncs every disk: it runs off the loop, one at a time (a round still running on a slow disk makes the next one skip).</summary>
    private void StartLeaseRound(RenewLease round)
    {
        if (Interlocked.Exchange(ref leaseRoundRunning, 1) == 1) return;
        _ = Task.Run(() =>
        {
            try { Feed(leases.Renew(round.Lease, scanner.Scan(), Now)); }
            catch (Exception e) { log.Write($"lease round failed: {e.Message}"); }
            finally { Volatile.Write(ref leaseRoundRunning, 0); }
        });
    }

    private async Task QuiesceAsync(Quiesce quiesce)
    {
        var started = Stopwatch.GetTimestamp();
        var closed = Now;
        var problem = await kernel.QuiesceAsync(quiesce.TransactionId, quiesce.DiskGroups);
        NoteIfSlow($"the drain of {string.Join(", ", quiesce.DiskGroups)} for {quiesce.TransactionId}", started);
        var reason = problem is null ? null : $"node {node.Name} refused to prepare: {problem}";
        Feed(new Quiesced(Now, quiesce.TransactionId, problem is null, reason, scanner.Scan(), closed));
    }

    public async ValueTask DisposeAsync()
    {
        inputs.Writer.TryComplete();
        if (control is not null) await control.DisposeAsync();
        nbd?.Dispose();
        io?.Drl?.Dispose();
        io?.Dispose();
        if (interconnect is not null) await interconnect.DisposeAsync();
        store?.Dispose();
    }
}

/// <summary>Effects a fault hold kept back, now to be carried out in order on the agent's loop.</summary>
internal sealed record Released(DateTimeOffset Now, List<Effect> Effects) : Input(Now);
