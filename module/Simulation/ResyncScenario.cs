using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation.Invariants;

namespace VolumeManager.Simulation;

/// <summary>
/// One seed of a resynchronisation under faults: a cluster of 2–4 nodes makes a shared group, a volume and a mirror
/// (Stale); the coordinating node copies it (<see cref="SimResync"/>) while agents crash — the master most often,
/// and at every step of the copy (before and after a chunk, around its checkpoint, around the activation) — and
/// restart. Once faults stop, the plex must turn Active on every node, never before it is copied whole, and once the
/// recoveries the crashes owe are done the plexes agree (invariant 8; the mirror has no log, so it is copied whole).
/// </summary>
public static class ResyncScenario
{
    public const string SeedVariable = "VM_SIM_RESYNC";
    private static readonly TimeSpan StepEvery = TimeSpan.FromMilliseconds(40);

    /// <param name="activateEarly">A deliberately broken rule (activation at half the copy), to show the check fails.</param>
    public static ScenarioResult Run(int seed, bool activateEarly = false, int traceLines = 0)
    {
        var size = new Random(seed).Next(2, 5);
        var sim = new Simulator(new SimulationOptions { Nodes = size, Seed = seed, DiskInvisibleRate = 0, TraceLines = traceLines });
        var workload = new Workload(sim);
        var resync = new SimResync(sim, workload) { ActivateEarly = activateEarly };
        var faults = new List<string>();
        var violations = new List<Violation>();
        void Fault(string text)
        {
            faults.Add($"{sim.Elapsed.TotalSeconds:0.000} {text}");
            sim.Trace.Add(sim.Elapsed, "FAULT " + text);
        }

        foreach (var node in sim.Nodes) sim.Start(node);
        var home = sim.Nodes[0].Name;
        if (!sim.RunUntil(() => Scenario.QuickSettled(sim), TimeSpan.FromSeconds(20))
            || !Change(sim, workload, workload.Create(home, "dg", sim.Disks.Names.Take(2).ToList()))
            || !Change(sim, workload, Shared(home, new CreateVolume { DiskGroup = "dg", Volume = "v", SizeBytes = 48L << 20 }))
            || !Change(sim, workload, Shared(home, new AddMirror { DiskGroup = "dg", Volume = "v" })))
            violations.Add(new Violation(InvariantId.Liveness, "the group, volume and mirror to resynchronise could not be made on a healthy cluster.", home));

        var end = sim.Elapsed + TimeSpan.FromSeconds(3);
        void CopyLoop()
        {
            resync.Step();
            sim.At(StepEvery, CopyLoop);
        }
        void FaultLoop()
        {
            if (sim.Elapsed >= end) return;
            var running = sim.Nodes.Where(n => n.Running).ToList();
            var master = running.FirstOrDefault(n => n.Machine!.IsMaster);
            if (running.Count > 0)
            {
                var victim = master is not null && sim.Chance(0.6) ? master : sim.Pick(running);
                var restart = sim.Between(TimeSpan.FromMilliseconds(20), sim.Options.Protocol.FailureTimeout * 1.5);
                if (sim.Chance(0.5))
                {
                    var point = sim.Pick(SimResync.CrashPoints);
                    Fault($"{victim.Name} armed to die at resync step '{point}'");
                    resync.Arm(victim, point);
                    var incarnation = victim.Incarnation;
                    void Watch()
                    {
                        if (victim.Incarnation != incarnation || sim.Elapsed >= end) return;
                        if (!victim.Running) Later(victim, restart); else sim.At(TimeSpan.FromMilliseconds(50), Watch);
                    }
                    sim.At(TimeSpan.FromMilliseconds(50), Watch);
                }
                else
                {
                    Fault($"{victim.Name} agent crashes{(victim == master ? " (master)" : "")}");
                    sim.Crash(victim);
                    Later(victim, restart);
                }
            }
            sim.At(sim.Between(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(800)), FaultLoop);
        }
        void Later(SimNode node, TimeSpan delay) => sim.At(delay, () =>
        {
            if (node.Running || sim.Elapsed >= end) return;
            Fault($"{node.Name} agent restarts");
            sim.Start(node);
        });

        if (violations.Count == 0)
        {
            sim.At(TimeSpan.Zero, CopyLoop);
            sim.At(sim.Between(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(400)), FaultLoop);
            sim.RunFor(end - sim.Elapsed);
            Fault("faults stop: stopped agents restart");
            resync.Disarm();
            foreach (var node in sim.Nodes.Where(n => !n.Running)) sim.Start(node);
            var active = sim.RunUntil(() => Scenario.QuickSettled(sim) && sim.Nodes.All(n => PlexActive(n)) && !workload.Running.Any(), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
            if (!active)
                violations.Add(new Violation(InvariantId.Liveness, $"30 s after faults stopped the mirror is not Active everywhere ({string.Join(", ", sim.Nodes.Select(n => $"{n.Name}: {(PlexActive(n) ? "Active" : "not Active")}"))}).", home));
            violations.AddRange(Scenario.MirrorsAgree(sim, checkLiveness: true));
        }
        sim.Complete();
        violations.InsertRange(0, sim.AllViolations.Concat(resync.Violations));
        violations.AddRange(workload.CheckOutcomes());
        return new ScenarioResult
        {
            Seed = seed, Nodes = size, Variant = $"{SeedVariable}=1 ",
            Violations = violations.DistinctBy(v => v.ToString()).ToList(),
            Changes = workload.Runs.Count, Succeeded = workload.Runs.Count(r => r.Outcome is { Succeeded: true }),
            Committed = sim.Ledger.CommittedGenerations.Count, Events = sim.Events, Simulated = sim.Elapsed, Faults = faults,
            Changelog = [.. workload.Runs.Select(r => $"{r.Started.TotalSeconds:0.000} {r}"), $"{resync.ChunksCopied} chunks copied, {resync.Activations} activations proposed, {sim.Recovery.WholeRecoveries} whole copies after crashes"],
            Trace = sim.Trace.ToString(),
        };
    }

    private static bool PlexActive(SimNode node) =>
        node.Machine?.Database.FindShared("dg")?.FindVolume("v") is { Plexes.Count: 2 } volume && volume.Plexes.All(p => p.IsActive);

    private static Proposal Shared(string node, Operation operation) => new()
    {
        Scope = TransactionScope.Shared, Node = node, Initiator = $"admin@{node}", Operations = [operation],
    };

    private static bool Change(Simulator sim, Workload workload, Proposal proposal)
    {
        var run = workload.Start(proposal.Node, proposal);
        return sim.RunUntil(() => run.Done, TimeSpan.FromSeconds(20)) && run.Outcome is { Succeeded: true };
    }
}
