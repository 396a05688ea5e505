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
    private readonly Dictionary<(string Disk, long Offset), long> blocks = [];
    private readonly Dictionary<(Guid Group, string Volume), Dictionary<long, long>> acknowledged = [];
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

    /// <summary>One 4 KiB write by the node's kernel to a random block of a random volume of the group, through the gate.</summary>
    internal void Submit(SimNode node, DiskGroup group, TimeSpan duration)
    {
        var volume = sim.Pick(group.Volumes);
        var offset = sim.Random.NextInt64(volume.SizeBytes / BlockBytes) * BlockBytes;
        var incarnation = node.Incarnation;
        var write = new Write(group.Id, group.Name, volume.Name, offset);
        node.Kernel.Submit(group.Name, duration, entered: () => Apply(node, write), left: () => Settle(node, incarnation, write));
    }

    private sealed class Write(Guid groupId, string group, string volume, long offset)
    {
        public Guid GroupId { get; } = groupId;
        public string Group { get; } = group;
        public string Volume { get; } = volume;
        public long Offset { get; } = offset;
        public long Value { get; set; }
        public bool Taken { get; set; }
        /// <summary>A plex this node was refused a detach of lately did not take it: the write fails.</summary>
        public bool Refused { get; set; }
        public List<(string Plex, string Disk)> Missed { get; } = [];
    }

    private void Apply(SimNode node, Write write)
    {
        if (Current(node, write) is not { } volume) return;
        write.Value = ++lastValue;
        foreach (var plex in volume.Plexes.Where(p => p.IsAttached))
        {
            var spans = VolumeMap.Spans(plex, write.Offset, BlockBytes);
            if (refused.TryGetValue((node.Name, write.GroupId, write.Volume, plex.Name), out var until) && sim.Elapsed < until) { write.Refused = true; continue; }
            if (spans.FirstOrDefault(s => FailingDisks.Contains(s.Disk) || FailingPaths.Contains((node.Name, s.Disk))) is { Disk: { } failing }) { write.Missed.Add((plex.Name, failing)); continue; }
            foreach (var span in spans.Where(s => !LyingDisks.Contains(s.Disk))) blocks[(span.Disk, span.DiskOffset)] = write.Value;
            write.Taken |= plex.IsActive;
        }
    }

    private void Settle(SimNode node, int incarnation, Write write)
    {
        if (write.Value == 0 || node.Incarnation != incarnation || node.Machine is null) return;
        if (!write.Taken || write.Refused) { Failed++; return; }
        if (write.Missed.Count == 0) { Acknowledge(node, write); return; }
        sim.Run(() => _ = DetachThenAcknowledgeAsync(node, incarnation, write));
    }

    private async Task DetachThenAcknowledgeAsync(SimNode node, int incarnation, Write write)
    {
        var deadline = sim.Elapsed + DetachBudget;
        foreach (var (plex, disk) in write.Missed)
        {
            while (node.Machine is null || Attached(node, write, plex))
            {
                if (node.Incarnation != incarnation || node.Machine is null || sim.Elapsed >= deadline) { Failed++; return; }
                var outcome = await DetachAsync(node, write, plex, disk);
                if (outcome is Engine.Checks.ErrorIds.LastPlex or Engine.Checks.ErrorIds.DiskStillAccessible)
                {
                    refused[(node.Name, write.GroupId, write.Volume, plex)] = sim.Elapsed + RefusalKept;
                    Failed++;
                    return;
                }
                if (outcome is not null) await Task.Delay(TimeSpan.FromMilliseconds(200), sim.Time);
            }
        }
        if (node.Incarnation != incarnation || node.Machine is null) { Failed++; return; }   // a dead kernel acknowledges nothing
        AcknowledgedAfterDetach++;
        sim.Trace.Add(sim.Elapsed, $"{node.Name} acknowledges write {write.Value} to {write.Volume} once {string.Join(", ", write.Missed.Select(m => m.Plex))} left its plexes");
        Acknowledge(node, write);
    }

    /// <summary>Asks for the plex's detach and waits until it settles here: null once detached, else why not (an error id).</summary>
    private async Task<string?> DetachAsync(SimNode node, Write write, string plex, string disk)
    {
        ControlResponse answer;
        try
        {
            answer = await sim.Request(node.Name, new KernelChangeRequest
            {
                Scope = TransactionScope.Shared,
                Operations = [new DetachPlex { DiskGroup = write.Group, Volume = write.Volume, Plex = plex, Disk = disk, Node = node.Name, Reason = "write failed: EIO" }],
            });
        }
        catch (Engine.Initiation.EndpointException e) { return e.ErrorId; }
        if (!answer.Ok || answer.Transaction?.Id is not { } id) return answer.ErrorId ?? Engine.Checks.ErrorIds.TransactionAborted;
        while (node.Machine is null || Attached(node, write, plex))
        {
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
}
