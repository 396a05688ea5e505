using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation.Invariants;

namespace VolumeManager.Simulation;

/// <summary>
/// The agent's resync service in the simulator: each node copies the stale plexes <see cref="ResyncRules"/> give it,
/// chunk by chunk, keeps its checkpoint in the shared disks' slots (<see cref="ResyncCheckpoint"/>'s format, so it
/// survives the node), and proposes the plex Active through the real <see cref="Initiator"/> (as a change of the
/// <see cref="Workload"/>, whose outcomes are checked like any other). The data model is what each plex holds: the
/// chunks copied into it since it became Stale (writes reach every plex, so a copied chunk stays current). A node may
/// be armed to die at any step of a copy (<see cref="CrashPoints"/>).
/// </summary>
public sealed class SimResync(Simulator sim, Workload workload)
{
    public const int CheckpointEvery = 4;

    /// <summary>The steps of a copy a node may be armed to die at.</summary>
    public static readonly string[] CrashPoints = ["before copy", "after copy", "before checkpoint", "after checkpoint", "before activation", "after activation started"];

    private readonly Dictionary<string, byte[]> checkpointSlots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<long>> copied = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Node, int Incarnation), Volatile> volatiles = [];

    /// <summary>Per node and agent run: where each copy stands, the activation under way, the crash point armed.</summary>
    private sealed class Volatile
    {
        public readonly Dictionary<string, long> Offsets = new(StringComparer.Ordinal);
        public readonly Dictionary<string, ChangeRun> Activations = new(StringComparer.Ordinal);
        public string? DieAt;
    }

    /// <summary>A broken rule to prove the invariant can fail: activate once half is copied.</summary>
    public bool ActivateEarly { get; set; }

    public List<Violation> Violations { get; } = [];
    public int ChunksCopied { get; private set; }
    public int Activations { get; private set; }

    /// <summary>Arms <paramref name="node"/>'s current agent to die at <paramref name="point"/> of its next copy step that reaches it.</summary>
    public void Arm(SimNode node, string point) => State(node).DieAt = point;

    /// <summary>Faults stop: no node dies at a resync step any more.</summary>
    public void Disarm()
    {
        foreach (var state in volatiles.Values) state.DieAt = null;
    }

    /// <summary>Every running node's copy step; then the data model checks every node's configuration.</summary>
    public void Step()
    {
        foreach (var node in sim.Nodes) Step(node);
        Check();
    }

    private void Step(SimNode node)
    {
        if (node.Machine is not { Phase: NodePhase.Joined } machine) return;
        var state = State(node);
        bool Coordinates(DiskGroup g) => g.Shared ? machine.IsMaster : g.Owner == node.Name;
        foreach (var target in ResyncRules.Targets(machine.Database, Coordinates).ToList())
        {
            if (!node.Running) return;
            var key = target.Key;
            Track(target.Group, target.Volume, target.Plex);
            if (!state.Offsets.TryGetValue(key, out var offset))
            {
                if (!machine.ServesOneConfiguration) continue;   // as the agent's ResyncService: a copy starts once every member serves this configuration
                state.Offsets[key] = offset = ResyncRules.ResumeAt(Checkpoints(target).GetValueOrDefault(key), target.Volume.SizeBytes);
            }
            var decision = ResyncRules.Next(key, target, Coordinates(target.Group), held: false, ActivateEarly && offset * 2 >= target.Volume.SizeBytes ? target.Volume.SizeBytes : offset);
            switch (decision.Step)
            {
                case ResyncStep.Copy:
                    if (Dies(node, state, "before copy")) return;
                    (copied.TryGetValue(key, out var chunks) ? chunks : copied[key] = []).Add(decision.Offset / ResyncRules.ChunkBytes);
                    if (decision.Source is { } source) sim.Data.Copy(target.Volume, source, target.Plex, decision.Offset, decision.Length);
                    ChunksCopied++;
                    state.Offsets[key] = offset = decision.Offset + decision.Length;
                    if (Dies(node, state, "after copy")) return;
                    if (offset / ResyncRules.ChunkBytes % CheckpointEvery != 0) break;
                    if (Dies(node, state, "before checkpoint")) return;
                    WriteCheckpoint(target, key, offset);
                    if (Dies(node, state, "after checkpoint")) return;
                    break;
                case ResyncStep.Activate:
                    if (state.Activations.TryGetValue(key, out var run) && !run.Done) break;
                    if (Dies(node, state, "before activation")) return;
                    state.Activations[key] = workload.Start(node.Name, new Proposal
                    {
                        Scope = target.Group.Shared ? TransactionScope.Shared : TransactionScope.Private, Node = node.Name, Initiator = $"resync@{node.Name}",
                        Operations = [new SetPlexState { DiskGroup = target.Group.Name, Volume = target.Volume.Name, Plex = target.Plex.Name, State = PlexStates.Active }],
                    });
                    Activations++;
                    if (Dies(node, state, "after activation started")) return;
                    break;
            }
        }
    }

    /// <summary>No plex Active on any node (running or stopped) while its copy is incomplete.</summary>
    private void Check()
    {
        foreach (var node in sim.Nodes)
        {
            var db = node.Machine?.Database ?? node.Durable;
            foreach (var group in db.All)
                foreach (var volume in group.Volumes)
                    foreach (var plex in volume.Plexes.Where(p => p.IsActive))
                    {
                        var key = ResyncCheckpoint.Key(group, volume, plex);
                        if (!copied.TryGetValue(key, out var chunks)) continue;   // never Stale here: created Active
                        var needed = (volume.SizeBytes + ResyncRules.ChunkBytes - 1) / ResyncRules.ChunkBytes;
                        if (chunks.Count >= needed || Violations.Any(v => v.Message.Contains(key, StringComparison.Ordinal))) continue;
                        Violations.Add(new Violation(InvariantId.ResyncComplete,
                            $"{node.Name} has plex {plex.Name} of {group.Name}/{volume.Name} Active with {chunks.Count} of {needed} chunks copied ({key}).", node.Name));
                    }
        }
    }

    /// <summary>Marks a plex that was Stale when a copy first saw it, so the check knows it must be copied whole.</summary>
    public void Track(DiskGroup group, Volume volume, Plex plex)
    {
        var key = ResyncCheckpoint.Key(group, volume, plex);
        if (!copied.ContainsKey(key)) copied[key] = [];
    }

    private bool Dies(SimNode node, Volatile state, string point)
    {
        if (state.DieAt != point) return false;
        sim.Trace.Add(sim.Elapsed, $"{node.Name} dies at resync step '{point}'");
        state.DieAt = null;
        sim.Crash(node);
        return true;
    }

    private Volatile State(SimNode node)
    {
        var id = (node.Name, node.Incarnation);
        if (!volatiles.TryGetValue(id, out var state)) volatiles[id] = state = new Volatile();
        return state;
    }

    private static string CheckpointDisk(ResyncTarget target) => target.Plex.Subdisks.FirstOrDefault()?.Disk ?? "";

    private Dictionary<string, ResyncProgress> Checkpoints(ResyncTarget target) =>
        checkpointSlots.TryGetValue(CheckpointDisk(target), out var slot) ? ResyncCheckpoint.Decode(slot) : [];

    private void WriteCheckpoint(ResyncTarget target, string key, long offset)
    {
        var entries = Checkpoints(target);
        entries[key] = new ResyncProgress(offset, $"resync-{target.Plex.Name}");
        checkpointSlots[CheckpointDisk(target)] = ResyncCheckpoint.Encode(entries);
    }
}
