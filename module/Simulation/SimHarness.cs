using VolumeManager.Engine.Initiation;
using VolumeManager.Simulation.Invariants;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Simulation;

/// <summary>
/// A small scripted cluster for schedule tests: boot some nodes, wait for them to form, run changes with
/// the real initiator, inject a fault at a chosen protocol step, and check every invariant at the end.
/// </summary>
public sealed class SimHarness
{
    public SimHarness(int nodes, int seed = 1, Action<SimulationOptions>? configure = null)
    {
        var options = new SimulationOptions { Nodes = nodes, Seed = seed, TraceLines = 4000, DiskInvisibleRate = 0 };
        configure?.Invoke(options);
        Sim = new Simulator(options);
        Workload = new Workload(Sim);
    }

    public Simulator Sim { get; }
    public Workload Workload { get; }
    public ProtocolOptions Protocol => Sim.Options.Protocol;

    public SimNode this[string name] => Sim.Node(name);

    /// <summary>The node every running member follows as master (null while they disagree or none is).</summary>
    public SimNode? Master
    {
        get
        {
            var masters = Sim.Nodes.Where(n => n.Machine is { IsMaster: true }).ToList();
            return masters.Count == 1 ? masters[0] : null;
        }
    }

    /// <summary>Starts the named agents (all when none are named) and runs until they have formed one cluster.</summary>
    public SimHarness Boot(params string[] names)
    {
        var nodes = names.Length == 0 ? Sim.Nodes.ToList() : names.Select(Sim.Node).ToList();
        foreach (var node in nodes) Sim.Start(node);
        if (!Sim.RunUntil(() => Formed(nodes), TimeSpan.FromSeconds(20)))
            throw new InvalidOperationException($"the cluster did not form:{Environment.NewLine}{Sim.Trace}");
        return this;
    }

    private static bool Formed(IReadOnlyList<SimNode> nodes) =>
        nodes.All(n => n.Machine is { Phase: NodePhase.Joined } m && m.Master is not null && m.Members.Where(x => nodes.Any(k => k.Name == x.Name)).All(x => x.State == Engine.Model.MemberState.Joined))
        && nodes.Select(n => n.Machine!.Master).Distinct().Count() == 1;

    /// <summary>Starts a change from a node with the real initiator.</summary>
    public ChangeRun Start(string node, Proposal proposal,
        Func<IReadOnlyDictionary<string, IVmEndpoint>, IReadOnlyDictionary<string, IVmEndpoint>>? endpoints = null, CancellationToken stop = default) =>
        Workload.Start(node, proposal, endpoints, stop);

    public ChangeRun CreateShared(string node, string group, params string[] disks) => Start(node, Workload.Create(node, group, [.. disks]));

    public ChangeRun RemoveShared(string node, string group) => Start(node, Workload.Remove(node, group));

    /// <summary>Runs until the change has ended (bounded).</summary>
    public ChangeOutcome Finish(ChangeRun run, TimeSpan? within = null)
    {
        if (!Sim.RunUntil(() => run.Done, within ?? TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(5)))
            throw new TimeoutException($"{run} did not end:{Environment.NewLine}{Sim.Trace}");
        if (run.Error is { } error) throw new InvalidOperationException($"{run}{Environment.NewLine}{Sim.Trace}", error);
        return run.Outcome!;
    }

    /// <summary>Runs until the condition holds, in small steps (bounded).</summary>
    public void RunUntil(Func<bool> condition, TimeSpan? within = null, string? what = null)
    {
        if (!Sim.RunUntil(condition, within ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1)))
            throw new TimeoutException($"{what ?? "the condition"} did not hold in time:{Environment.NewLine}{Sim.Trace}");
    }

    public void RunFor(TimeSpan duration) => Sim.RunFor(duration);

    /// <summary>
    /// Runs <paramref name="action"/> (once) just before <paramref name="node"/> carries out the first effect
    /// matching <paramref name="step"/>; the effect is then carried out unless <paramref name="crash"/>.
    /// </summary>
    public void Before(string node, Func<Effect, bool> step, Action? action = null, bool crash = false)
    {
        var armed = true;
        Sim.Node(node).CrashBefore = e =>
        {
            if (!armed || !step(e)) return false;
            armed = false;
            action?.Invoke();
            return crash;
        };
    }

    /// <summary>Restarts stopped agents and runs until the cluster is at rest: one master, every node joined, nothing in doubt.</summary>
    public void Settle(TimeSpan? within = null)
    {
        foreach (var node in Sim.Nodes.Where(n => Sim.InCluster(n) && (!n.Running || n.Machine!.Phase == NodePhase.Left))) Sim.Restart(node);
        var stopped = Sim.Elapsed;
        if (!Sim.RunUntil(() => !Workload.Running.Any() && Scenario.QuickSettled(Sim) && Scenario.AtRest(Sim, Sim.Elapsed - stopped).Count == 0,
                within ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50)))
            throw new TimeoutException($"the cluster did not settle: {string.Join("; ", Scenario.AtRest(Sim, Sim.Elapsed - stopped))}{Environment.NewLine}{Sim.Trace}");
    }

    /// <summary>Every invariant broken so far, and what the initiators reported against what the nodes did.</summary>
    public List<Violation> Violations()
    {
        Sim.Complete();
        return [.. Sim.AllViolations, .. Workload.CheckOutcomes()];
    }

    /// <summary>The state of a transaction on each node that knows it (durable journal for stopped nodes).</summary>
    public Dictionary<string, TransactionState> States(string transactionId) => Sim.Snapshots()
        .Select(s => (s.Node, Record: s.Records.LastOrDefault(r => r.Transaction.Id == transactionId)))
        .Where(x => x.Record is not null).ToDictionary(x => x.Node, x => x.Record!.State);

    public long Generation(string node) => Sim.Node(node).Machine?.Database.Generation ?? Sim.Node(node).Durable.Generation;

    public string Trace => Sim.Trace.ToString();
}
