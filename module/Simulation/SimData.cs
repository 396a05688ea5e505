using VolumeManager.Engine.Io;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation.Invariants;

namespace VolumeManager.Simulation;

/// <summary>
/// What the volumes hold, for invariant 7: the disks' blocks (each write stamps its block with a value larger than
/// every earlier one) and, per volume block, the last write a kernel acknowledged. A kernel writes every attached plex
/// of its node's configuration when the write enters the group's gate; a disk in <see cref="FailingDisks"/> refuses,
/// and then the kernel does what the agent's does (PlexDetacher): asks for the plex's detach and acknowledges the write
/// only once its own configuration shows the plex detached. Checked whenever a write is acknowledged and whenever a
/// gate opens: every Active plex a node could read from now holds every acknowledged write.
/// </summary>
public sealed class SimData(Simulator sim)
{
    public const int BlockBytes = 4096;
    private static readonly TimeSpan DetachBudget = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DetachAnswerTimeout = TimeSpan.FromSeconds(5);
    private readonly Dictionary<(string Disk, long Offset), long> blocks = [];
    private readonly Dictionary<(Guid Group, string Volume), Dictionary<long, long>> acknowledged = [];
    private readonly Dictionary<(Guid Group, string Volume, long Offset), Write> inFlight = [];
    private readonly Dictionary<(Guid Group, string Volume), HashSet<long>> written = [];
    private readonly Dictionary<(Guid Group, string Volume, long Offset), TimeSpan> torn = [];
    private readonly HashSet<Write> repairing = [];
    private long lastValue;

    /// <summary>Disks that fail every write (the fault menu's "disk fails").</summary>
    public HashSet<string> FailingDisks { get; } = [];
    /// <summary>One node's path to a disk fails every write (the fault menu's "path fails"); the other nodes still reach it.</summary>
    public HashSet<(string Node, string Disk)> FailingPaths { get; } = [];
    /// <summary>A plex whose detach was refused (the last Active plex, or the Local policy): the node fails its writes at once for a while, as the agent's PlexDetacher does.</summary>
    private readonly Dictionary<(string Node, Guid Group, string Volume, string Plex), TimeSpan> refused = [];
    private static readonly TimeSpan RefusalKept = TimeSpan.FromSeconds(10);
    /// <summary>Disks that report success and keep nothing: no rule can save a write from them, so the invariant must see it lost.</summary>
    public HashSet<string> LyingDisks { get; } = [];
    public int Acknowledged { get; private set; }
    /// <summary>Writes acknowledged only once the plex they missed was detached.</summary>
    public int AcknowledgedAfterDetach { get; private set; }
    public int Failed { get; private set; }
    /// <summary>Writes a crash cut short between two plexes.</summary>
    public int Torn { get; private set; }
    /// <summary>Failed writes that left the plexes different while their writer ran on (see <see cref="Fail"/>), and how many of them a repair made equal again.</summary>
    public int LeftDifferent { get; private set; }
    public int Repaired { get; private set; }
    /// <summary>Of those, the ones whose writer's run ended first: its slot's mark is copied by the recovery of that run.</summary>
    public int LeftToRecovery => leftToRecovery + repairing.Count(w => !w.Alive);
    private int leftToRecovery;
    /// <summary>Of those, the ones whose writer runs on outside the cluster (removed for good): the coordinator recovers its slot as a departed node's.</summary>
    public int OwedByRemovedNodes => repairing.Count(w => w.Alive && !sim.InCluster(w.Node));
    /// <summary>Of those, the ones whose volume was removed before the repair.</summary>
    public int GoneWithVolume { get; private set; }
    /// <summary>Repairs still owed to writers that run on in the cluster (their dirty marks held meanwhile).</summary>
    public int RepairsPending => repairing.Count(Owed);
    /// <summary>Failed writes whose writer still runs in the cluster and waits for a plex's detach (it asks again while the cluster is busy).</summary>
    public int DetachesAwaited => awaitingDetach.Count(Owed);
    /// <summary>Those writes, for a violation's message.</summary>
    public string DetachesAwaitedText => string.Join("; ", awaitingDetach.Where(Owed).Select(w => $"{w.Node.Name} v{w.Value} {w.Volume}@{w.Offset} missed [{string.Join(",", w.Missed)}] taken={w.Taken}"));
    private readonly HashSet<Write> awaitingDetach = [];

    private bool Owed(Write write) => write.Alive && sim.InCluster(write.Node);

    /// <summary>A failed write's repair is under way at the block: like a write in flight, it may differ until the repair is done.</summary>
    private bool Repairing((Guid, string, long) block) => repairing.Any(w => w.Block == block && Owed(w));

    /// <summary>One 4 KiB write by the node's kernel to a random block of a random volume of the group, through the gate.</summary>
    internal void Submit(SimNode node, DiskGroup group, TimeSpan duration)
    {
        var volume = sim.Pick(group.Volumes);
        Submit(node, group, volume, sim.Random.NextInt64(volume.SizeBytes / BlockBytes) * BlockBytes, duration);
    }

    /// <summary>One 4 KiB write by the node's kernel to the block at <paramref name="offset"/> of the volume, through the gate (a schedule's own write).</summary>
    public void Submit(SimNode node, DiskGroup group, Volume volume, long offset, TimeSpan duration)
    {
        var write = new Write(node, group.Id, group.Name, volume.Name, offset, duration);
        node.Kernel.Submit(group.Name, duration, entered: () => Apply(node, write), left: () => Settle(node, write));
    }

    /// <summary>What each Active plex of the volume holds at the block (the value of the write that reached it last).</summary>
    public List<long> ValuesAt(Volume volume, long offset) =>
        volume.ActivePlexes.Select(p => VolumeMap.Spans(p, offset, BlockBytes).Select(s => blocks.GetValueOrDefault((s.Disk, s.DiskOffset))).DefaultIfEmpty().Min()).ToList();

    /// <summary>A broken rule to prove invariant 8 can fail: a failed write that left the plexes different asks for no repair.</summary>
    public bool RepairNothing { get; set; }

    private sealed class Write(SimNode node, Guid groupId, string group, string volume, long offset, TimeSpan duration)
    {
        public SimNode Node { get; } = node;
        public int Incarnation { get; } = node.Incarnation;
        public Guid GroupId { get; } = groupId;
        public string Group { get; } = group;
        public string Volume { get; } = volume;
        public long Offset { get; } = offset;
        public TimeSpan Duration { get; } = duration;
        public (Guid, string, long) Block => (GroupId, Volume, Offset);
        public long Value { get; set; }
        public bool Taken { get; set; }
        /// <summary>A plex this node was refused a detach of lately did not take it: the write fails.</summary>
        public bool Refused { get; set; }
        public List<(string Plex, string Disk)> Missed { get; } = [];
        /// <summary>The plexes the write goes to, Active ones first, and how many it has reached.</summary>
        public int Planned { get; set; }
        public int Landed { get; set; }
        /// <summary>How many plexes hold it: a plex it reached may have refused it (a failing disk or path, a refused detach).</summary>
        public int Held { get; set; }
        public SimDirtyRegions.Mark? Mark { get; set; }
        public bool Alive => Node.Incarnation == Incarnation && Node.Machine is not null;
    }

    /// <summary>
    /// The write enters the gate: its regions are marked in the writer's dirty region log, then it reaches the attached
    /// plexes one at a time, Active ones first, the last before it leaves the gate (a crash between two leaves them
    /// different). Applications do not overlap writes to one block: a block with a write in flight is left alone.
    /// </summary>
    private void Apply(SimNode node, Write write)
    {
        if (Current(node, write) is not { } volume) return;
        if (inFlight.TryGetValue(write.Block, out var other) && other.Alive) return;
        // A plex refused its detach lately takes none of this node's writes: they fail before reaching any plex (the agent's VolumeIo).
        if (volume.Plexes.Any(p => p.IsAttached && refused.TryGetValue((node.Name, write.GroupId, write.Volume, p.Name), out var until) && sim.Elapsed < until)) { Failed++; return; }
        write.Mark = sim.Drl.Write(node, write.GroupId, volume, write.Offset, BlockBytes, out var unlogged);
        if (unlogged) { Failed++; return; }
        write.Value = ++lastValue;
        Written(write.GroupId, write.Volume).Add(write.Offset);
        Reach(node, write);
    }

    /// <summary>The write is settled: no longer in flight, its dirty region marks released.</summary>
    private void Done(Write write)
    {
        if (inFlight.TryGetValue(write.Block, out var current) && current == write) inFlight.Remove(write.Block);
        write.Mark?.Release();
    }

    /// <summary>The write goes to the attached plexes of the node's configuration now, one at a time, Active ones first.</summary>
    private void Reach(SimNode node, Write write)
    {
        if (Current(node, write) is not { } volume) return;
        inFlight[write.Block] = write;
        var plexes = volume.Plexes.Where(p => p.IsAttached).OrderBy(p => p.IsActive ? 0 : 1).ToList();
        (write.Planned, write.Landed, write.Held) = (plexes.Count, 0, 0);
        for (var i = 0; i < plexes.Count; i++)
        {
            var plex = plexes[i];
            if (i == 0) Land(node, write, plex);
            else sim.At(write.Duration * i / plexes.Count, () => { if (write.Alive) Land(node, write, plex); });
        }
    }

    private void Land(SimNode node, Write write, Plex plex)
    {
        write.Landed++;
        if (sim.Trace.Enabled) sim.Trace.Add(sim.Elapsed, $"{node.Name} write {write.Value} to {write.Volume} at byte {write.Offset} reaches plex {plex.Name} ({write.Landed} of {write.Planned})");
        var spans = VolumeMap.Spans(plex, write.Offset, BlockBytes);
        if (refused.TryGetValue((node.Name, write.GroupId, write.Volume, plex.Name), out var until) && sim.Elapsed < until) { write.Refused = true; return; }
        if (spans.FirstOrDefault(s => FailingDisks.Contains(s.Disk) || FailingPaths.Contains((node.Name, s.Disk))) is { Disk: { } failing }) { write.Missed.Add((plex.Name, failing)); return; }
        foreach (var span in spans.Where(s => !LyingDisks.Contains(s.Disk))) blocks[(span.Disk, span.DiskOffset)] = write.Value;
        write.Held++;
        write.Taken |= plex.IsActive;
    }

    /// <summary>
    /// The node's agent died: its writes in flight stop where they were; one that some plexes hold and others not leaves
    /// them torn, whether the crash came between two plexes or after a plex refused it (its detach or repair still owed).
    /// </summary>
    internal void Crashed(SimNode node)
    {
        foreach (var write in inFlight.Values.Where(w => w.Node == node && w.Incarnation == node.Incarnation).ToList())
        {
            inFlight.Remove(write.Block);
            if (write.Held > 0 && write.Held < write.Planned) { torn[write.Block] = sim.Elapsed; Torn++; }
        }
        foreach (var write in repairing.Where(w => w.Node == node && w.Incarnation == node.Incarnation)) torn[write.Block] = sim.Elapsed;
    }

    private void Settle(SimNode node, Write write)
    {
        if (write.Value == 0 || !write.Alive) return;
        if (!write.Taken || write.Refused) { Fail(write); return; }
        if (write.Missed.Count == 0) { Done(write); Acknowledge(node, write); return; }
        sim.Run(() => _ = DetachThenAcknowledgeAsync(node, write.Incarnation, write));
    }

    /// <summary>
    /// The write fails. When an Active plex took it and another plex, whose detach was refused, did not, the plexes differ
    /// at the block while the writer runs on: its dirty mark is kept and the writer asks for a repair (<see cref="RepairAsync"/>).
    /// </summary>
    private void Fail(Write write)
    {
        Failed++;
        if (write.Taken && write.Alive && (write.Refused || write.Missed.Count > 0))
        {
            if (inFlight.TryGetValue(write.Block, out var current) && current == write) inFlight.Remove(write.Block);
            LeftDifferent++;
            if (!RepairNothing) sim.Run(() => _ = RepairAsync(write));
            return;
        }
        Done(write);
    }

    private static readonly TimeSpan RepairAnswerBound = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RepairRetryMax = TimeSpan.FromSeconds(2);

    /// <summary>
    /// As the agent's RangeRepairs: asks, through its own agent, for the block to be made equal on every plex by a node
    /// that reaches them all, again after a growing pause (at most <see cref="RepairRetryMax"/>) until it is; the dirty
    /// mark goes only then. A writer whose run ends leaves the mark in its slot, for the recovery of that run.
    /// </summary>
    private async Task RepairAsync(Write write)
    {
        repairing.Add(write);
        var pause = TimeSpan.FromMilliseconds(100);
        try
        {
            while (write.Alive)
            {
                if (Current(write.Node, write) is null)
                {
                    GoneWithVolume++;   // the volume is gone, its plexes with it: nothing left to repair
                    write.Mark?.Release();
                    return;
                }
                var answer = sim.Request(write.Node.Name, new RepairRangeRequest { DiskGroup = write.Group, Volume = write.Volume, Offset = write.Offset, Length = BlockBytes });
                await Task.WhenAny(answer, Task.Delay(RepairAnswerBound, sim.Time));
                if (!write.Alive) return;
                if (answer is { IsCompletedSuccessfully: true, Result.Ok: true })
                {
                    Repaired++;
                    write.Mark?.Release();
                    sim.Trace.Add(sim.Elapsed, $"{write.Node.Name}'s failed write {write.Value} to {write.Volume} at byte {write.Offset} is repaired");
                    return;
                }
                await Task.Delay(pause, sim.Time);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, RepairRetryMax.Ticks));
            }
        }
        finally
        {
            if (repairing.Remove(write) && !write.Alive) leftToRecovery++;
        }
    }

    /// <summary>
    /// A repairer's copy (<see cref="CopyRange"/>), in its group's gate: from the first Active plex to the others, when
    /// this node reaches every disk of them; fed back as <see cref="RangeCopied"/>.
    /// </summary>
    internal void Repair(SimNode node, CopyRange copy)
    {
        string? problem = null;
        node.Kernel.Submit(copy.DiskGroup, TimeSpan.FromMilliseconds(1), entered: () => problem = CopyNow(node, copy),
            left: () => sim.Feed(node, new RangeCopied(sim.Now, copy.Requester, copy.Ref, problem is null, problem is null ? null : Engine.Checks.ErrorIds.VolumeIoFailed, problem)));
    }

    private string? CopyNow(SimNode node, CopyRange copy)
    {
        var group = node.Machine?.Database.Find(copy.DiskGroup);
        if (!copy.OnConfiguration(group)) return copy.MovedOn(node.Name);
        if (group!.FindVolume(copy.Volume) is not { } volume) return null;   // not on that configuration: nothing of it differs
        if (Engine.Resync.DirtyRegions.Source(volume) is not { } source) return $"volume '{copy.Volume}' has no Active plex.";
        var targets = Engine.Resync.DirtyRegions.Targets(volume, source).ToList();
        var unreachable = targets.Prepend(source).SelectMany(p => p.DiskNames)
            .FirstOrDefault(d => FailingDisks.Contains(d) || FailingPaths.Contains((node.Name, d)) || node.InvisibleDisks.Contains(d));
        if (unreachable is not null) return $"node {node.Name} cannot reach disk {unreachable}.";
        foreach (var target in targets) Copy(volume, source, target, copy.Offset, copy.Length);
        return null;
    }

    /// <summary>
    /// Waits until every plex the write missed is detached here, then writes it again to the plexes still attached (as the
    /// agent's VolumeIo does: a copy from the failing plex, still the first Active one, may have overwritten it), and
    /// acknowledges it.
    /// </summary>
    private async Task DetachThenAcknowledgeAsync(SimNode node, int incarnation, Write write)
    {
        awaitingDetach.Add(write);
        try { await DetachThenWriteAgainAsync(node, incarnation, write); }
        finally { awaitingDetach.Remove(write); }
    }

    private async Task DetachThenWriteAgainAsync(SimNode node, int incarnation, Write write)
    {
        var deadline = sim.Elapsed + DetachBudget;
        var left = new List<string>();
        while (write.Missed.Count > 0)
        {
            foreach (var (plex, disk) in write.Missed)
            {
                while (node.Machine is null || Attached(node, write, plex))
                {
                    if (node.Incarnation != incarnation || node.Machine is null || sim.Elapsed >= deadline) { Fail(write); return; }
                    var outcome = await DetachAsync(node, write, plex, disk, deadline);
                    if (outcome is Engine.Checks.ErrorIds.LastPlex or Engine.Checks.ErrorIds.DiskStillAccessible)
                    {
                        refused[(node.Name, write.GroupId, write.Volume, plex)] = sim.Elapsed + RefusalKept;
                        Fail(write);
                        return;
                    }
                    if (outcome is not null) await Task.Delay(TimeSpan.FromMilliseconds(200), sim.Time);
                }
            }
            // The run that took the write may have ended while it waited (the plex shows detached in the next run's
            // configuration): a dead agent writes nothing again, and its dirty mark is that run's recovery's to copy.
            if (!write.Alive) return;
            left.AddRange(write.Missed.Select(m => m.Plex));
            write.Missed.Clear();
            write.Taken = false;
            var again = new TaskCompletionSource();
            node.Kernel.Submit(write.Group, write.Duration, entered: () => Reach(node, write), left: () => again.TrySetResult());
            await again.Task;   // never, if the agent dies meanwhile: a dead kernel acknowledges nothing
            if (!write.Alive || !write.Taken || write.Refused) { Fail(write); return; }
        }
        Done(write);
        AcknowledgedAfterDetach++;
        sim.Trace.Add(sim.Elapsed, $"{node.Name} acknowledges write {write.Value} to {write.Volume} once {string.Join(", ", left)} left its plexes");
        Acknowledge(node, write);
    }

    /// <summary>
    /// Asks for the plex's detach and waits until it settles here: null once detached, else why not (an error id). Bounded
    /// like the agent's KernelChanges: a proposal lost on its way to the master is never answered.
    /// </summary>
    private async Task<string?> DetachAsync(SimNode node, Write write, string plex, string disk, TimeSpan deadline)
    {
        ControlResponse answer;
        try
        {
            var asked = sim.Request(node.Name, new KernelChangeRequest
            {
                Scope = TransactionScope.Shared,
                Operations = [new DetachPlex { DiskGroup = write.Group, Volume = write.Volume, Plex = plex, Disk = disk, Node = node.Name, Reason = "write failed: EIO" }],
            });
            if (await Task.WhenAny(asked, Task.Delay(DetachAnswerTimeout, sim.Time)) != asked) return Engine.Checks.ErrorIds.MasterChanged;
            answer = await asked;
        }
        catch (Engine.Initiation.EndpointException e) { return e.ErrorId; }
        if (!answer.Ok || answer.Transaction?.Id is not { } id) return answer.ErrorId ?? Engine.Checks.ErrorIds.TransactionAborted;
        while (node.Machine is null || Attached(node, write, plex))
        {
            if (sim.Elapsed >= deadline) return Engine.Checks.ErrorIds.TransactionAborted;
            if (node.Machine?.Records.FirstOrDefault(r => r.Transaction.Id == id) is { State: TransactionState.Aborted } aborted) return aborted.ErrorId ?? Engine.Checks.ErrorIds.TransactionAborted;
            if (node.Machine is null) return Engine.Checks.ErrorIds.AgentNotRunning;
            await Task.Delay(TimeSpan.FromMilliseconds(20), sim.Time);
        }
        return null;
    }

    private static bool Attached(SimNode node, Write write, string plex) =>
        Current(node, write)?.FindPlex(plex) is { IsAttached: true };

    private static Volume? Current(SimNode node, Write write) =>
        node.Machine?.Database.Find(write.Group) is { } g && g.Id == write.GroupId ? g.FindVolume(write.Volume) : null;

    private void Acknowledge(SimNode node, Write write)
    {
        Acknowledged++;
        var volume = Acked(write.GroupId, write.Volume);
        volume[write.Offset] = Math.Max(volume.GetValueOrDefault(write.Offset), write.Value);
        foreach (var other in sim.Nodes) Check(other, write.GroupId, write.Group, write.Volume, write.Offset);
    }

    private Dictionary<long, long> Acked(Guid group, string volume)
    {
        if (!acknowledged.TryGetValue((group, volume), out var blocksAcked)) acknowledged[(group, volume)] = blocksAcked = [];
        return blocksAcked;
    }

    /// <summary>A resync's copy of one chunk: the target plex's blocks take the source plex's values over the range.</summary>
    public void Copy(Volume volume, Plex from, Plex to, long offset, long length)
    {
        for (var at = offset; at < Math.Min(offset + length, volume.SizeBytes); at += BlockBytes)
        {
            var value = VolumeMap.Spans(from, at, BlockBytes).Select(s => blocks.GetValueOrDefault((s.Disk, s.DiskOffset))).DefaultIfEmpty().Min();
            foreach (var span in VolumeMap.Spans(to, at, BlockBytes).Where(s => !LyingDisks.Contains(s.Disk))) blocks[(span.Disk, span.DiskOffset)] = value;
        }
    }

    /// <summary>A node's gate for the group opened: every acknowledged write of the group's volumes must be on every Active plex it now reads from.</summary>
    internal void GateOpened(SimNode node, string group)
    {
        if (node.Machine?.Database.Find(group) is not { } g) return;
        foreach (var volume in g.Volumes)
            if (acknowledged.TryGetValue((g.Id, volume.Name), out var acked))
                foreach (var offset in acked.Keys) Check(node, g.Id, g.Name, volume.Name, offset);
    }

    private void Check(SimNode node, Guid groupId, string groupName, string volumeName, long offset)
    {
        if (node.Machine is not { Phase: NodePhase.Joined } machine || node.Kernel.Closed(groupName)) return;
        if (machine.Database.Find(groupName) is not { } group || group.Id != groupId || group.FindVolume(volumeName) is not { } volume) return;
        if (offset + BlockBytes > volume.SizeBytes) return;
        var value = acknowledged[(groupId, volumeName)][offset];
        foreach (var plex in volume.ActivePlexes)
            foreach (var span in VolumeMap.Spans(plex, offset, BlockBytes))
                if (blocks.GetValueOrDefault((span.Disk, span.DiskOffset)) < value)
                    sim.Violations.Add(new Violation(InvariantId.DataUnchanged,
                        $"at {sim.Elapsed.TotalSeconds:0.000} s {node.Name} (generation {machine.Database.Generation}) reads volume '{volumeName}' of '{groupName}' from Active plex '{plex.Name}', which lacks the write acknowledged at byte {offset} (value {value}; disk {span.Disk} holds {blocks.GetValueOrDefault((span.Disk, span.DiskOffset))}).", node.Name));
    }

    private HashSet<long> Written(Guid group, string volume)
    {
        if (!written.TryGetValue((group, volume), out var offsets)) written[(group, volume)] = offsets = [];
        return offsets;
    }

    /// <summary>
    /// Invariant 8 when a recovery of <paramref name="volume"/> finishes: every written block it copied holds the same
    /// value on every Active plex, but for a write in flight now, a failed write whose repair is under way, or one torn by a
    /// crash since the recovery started.
    /// </summary>
    internal void CheckRecovered(SimNode node, DiskGroup group, Volume volume, IEnumerable<(long Offset, int Length)> ranges, TimeSpan started)
    {
        var offsets = Written(group.Id, volume.Name);
        foreach (var (offset, length) in ranges)
            foreach (var at in offsets.Where(o => o >= offset && o < offset + length))
                if (!(torn.TryGetValue((group.Id, volume.Name, at), out var when) && when >= started))
                    CheckAgree(node, group, volume, at, "once its recovery finished");
    }

    /// <summary>Invariant 8 once every recovery has finished: every written block of every mirror of the node's configuration agrees.</summary>
    public void CheckMirrors(SimNode node)
    {
        if (node.Machine is not { } machine) return;
        foreach (var group in machine.Database.All)
            foreach (var volume in group.Volumes.Where(v => v.ActivePlexes.Skip(1).Any()))
                foreach (var at in Written(group.Id, volume.Name).Order())
                    CheckAgree(node, group, volume, at, "once every recovery finished");
    }

    private void CheckAgree(SimNode node, DiskGroup group, Volume volume, long offset, string when)
    {
        var block = (group.Id, volume.Name, offset);
        if (offset + BlockBytes > volume.SizeBytes || (inFlight.TryGetValue(block, out var write) && write.Alive) || Repairing(block)) return;
        // A plex on a disk that fails every write takes none of them while its detach is owed (a member may be down, so
        // it cannot commit yet): agreement is asked of the others. Invariant 7 still checks what reads return.
        var values = volume.ActivePlexes.Where(p => !p.DiskNames.Any(FailingDisks.Contains))
            .Select(p => (p.Name, Value: VolumeMap.Spans(p, offset, BlockBytes).Select(s => blocks.GetValueOrDefault((s.Disk, s.DiskOffset))).DefaultIfEmpty().Min())).ToList();
        if (values.Select(v => v.Value).Distinct().Count() <= 1) return;
        if (sim.Violations.Any(v => v.Invariant == InvariantId.MirrorsAgree && v.Message.Contains($"'{volume.Name}' of '{group.Name}' at byte {offset} ", StringComparison.Ordinal))) return;
        sim.Violations.Add(new Violation(InvariantId.MirrorsAgree,
            $"at {sim.Elapsed.TotalSeconds:0.000} s, {when} on {node.Name}, the Active plexes of volume '{volume.Name}' of '{group.Name}' at byte {offset} differ: {string.Join(", ", values.Select(v => $"{v.Name}={v.Value}"))} (last acknowledged {Acked(group.Id, volume.Name).GetValueOrDefault(offset)}{(torn.ContainsKey(block) ? ", torn by a crash" : "")}).", node.Name));
    }
}
