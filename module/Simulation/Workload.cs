using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Initiation;
using VolumeManager.Simulation.Invariants;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Simulation;

/// <summary>One administrator's change, run by the real <see cref="Initiator"/> from one node.</summary>
public sealed class ChangeRun
{
    public int Number { get; init; }
    public required string Node { get; init; }
    public required Proposal Proposal { get; init; }
    public TimeSpan Started { get; init; }
    public Task<ChangeOutcome> Task { get; internal set; } = null!;
    public bool Done => Task?.IsCompleted ?? false;
    public ChangeOutcome? Outcome => Task.IsCompletedSuccessfully ? Task.Result : null;
    public Exception? Error => Task?.Exception?.InnerException;

    public override string ToString() =>
        $"change #{Number} from {Node} ({string.Join("; ", Proposal.Operations.Select(o => o.Describe()))}): " + (!Done ? "running"
            : Outcome is { } o ? (o.Succeeded ? $"succeeded {o.Transaction?.Id}" : $"failed at {o.Stage} {o.Transaction?.Id}: {string.Join(" ", o.Failures.Select(f => $"{f.Node}/{f.ErrorId}"))}")
            : $"threw {Error?.GetType().Name}: {Error?.Message}");
}

/// <summary>Starts changes with the real initiator over the simulator's endpoints, and checks what it reported against what the nodes did.</summary>
public sealed class Workload(Simulator sim)
{
    private int names;
    private int volumes;

    public List<ChangeRun> Runs { get; } = [];
    public IEnumerable<ChangeRun> Running => Runs.Where(r => !r.Done);

    /// <param name="endpoints">Lets a test wrap the endpoints the initiator uses (e.g. to hold a call until something happened).</param>
    /// <param name="stop">The administrator's Ctrl+C or Stop-Job.</param>
    public ChangeRun Start(string node, Proposal proposal,
        Func<IReadOnlyDictionary<string, IVmEndpoint>, IReadOnlyDictionary<string, IVmEndpoint>>? endpoints = null, CancellationToken stop = default)
    {
        var run = new ChangeRun { Number = Runs.Count + 1, Node = node, Proposal = proposal, Started = sim.Elapsed };
        Runs.Add(run);
        sim.Trace.Add(sim.Elapsed, $"admin on {node} starts change #{run.Number}: {string.Join("; ", proposal.Operations.Select(o => o.Describe()))}");
        var initiator = new Initiator(endpoints is null ? sim.Endpoints() : endpoints(sim.Endpoints()), sim.NewGuid, time: sim.Time);
        sim.Run(() => run.Task = initiator.RunAsync(proposal, stop));
        return run;
    }

    public ChangeRun StartRandom(string node) => Start(node, RandomProposal(node));

    /// <summary>The share of random changes that add a spare host or remove a member for good (0: none).</summary>
    public double MembershipShare { get; set; }

    /// <summary>
    /// Creates a shared disk group on free disks, removes one (its volumes first), makes a private one, puts a mirrored
    /// volume on a shared group of two disks, adds or removes a node, or asks for something the local checks refuse.
    /// </summary>
    public Proposal RandomProposal(string node)
    {
        if (MembershipShare > 0 && sim.Chance(MembershipShare) && MembershipChange(node) is { } change) return change;
        var db = sim.Node(node).Machine?.Database ?? sim.Node(node).Durable;
        var free = sim.Disks.Free.ToList();
        var roll = sim.Random.NextDouble();
        if (roll < 0.35 && db.Shared.Count > 0) return RemoveShared(node, sim.Pick(db.Shared));
        if (roll >= 0.8 && db.Shared.Where(g => g.Disks.Count >= 2).ToList() is { Count: > 0 } mirrorable) return Mirrored(node, sim.Pick(mirrorable).Name);
        if (roll < 0.42 && db.Private.Count > 0) return Remove(node, sim.Pick(db.Private).Name, TransactionScope.Private);
        if (roll < 0.47) return Create(node, db.Shared.Count > 0 ? sim.Pick(db.Shared).Name : $"dg{++names:D3}", sim.Disks.Names.Take(1).ToList());
        if (free.Count == 0) return db.Shared.Count > 0 ? Remove(node, sim.Pick(db.Shared).Name) : Create(node, $"dg{++names:D3}", [sim.Pick(sim.Disks.Names.ToList())]);
        var disks = free.OrderBy(_ => sim.Random.Next()).Take(1 + sim.Random.Next(Math.Min(2, free.Count))).ToList();
        // A third of the shared groups detach under the Local policy.
        return Create(node, $"dg{++names:D3}", disks, roll < 0.55 ? TransactionScope.Private : TransactionScope.Shared,
            sim.Random.Next(3) == 0 ? DetachPolicies.Local : DetachPolicies.Global);
    }

    /// <summary>A change that should succeed on a healthy cluster: remove a shared group, or create one on a free disk.</summary>
    public Proposal? SaneProposal(string node)
    {
        var db = sim.Node(node).Machine?.Database ?? sim.Node(node).Durable;
        // Held by a group of some node's configuration (a private one too), though perhaps not written on the disk yet.
        var held = sim.Nodes.SelectMany(n => (n.Machine?.Database ?? n.Durable).All).SelectMany(g => g.Disks).Select(d => d.Name).ToHashSet();
        var free = sim.Disks.Free.Where(d => !held.Contains(d) && sim.Nodes.All(n => !n.InvisibleDisks.Contains(d))).ToList();
        if (db.Shared.Count > 0 && (free.Count == 0 || sim.Chance(0.5))) return RemoveShared(node, sim.Pick(db.Shared));
        if (free.Count > 0) return Create(node, $"dg{++names:D3}", [sim.Pick(free)]);
        return db.Private.Count > 0 ? Remove(node, sim.Pick(db.Private).Name, TransactionScope.Private) : null;
    }

    /// <summary>
    /// Adds a spare host the node's definition lacks (never one removed before), or, with more than two members,
    /// removes one for good: a non-master mostly, the master in a quarter of them (refused: the master coordinates).
    /// </summary>
    private Proposal? MembershipChange(string node)
    {
        if (sim.Node(node).Machine is not { } machine) return null;
        var defined = machine.Definition.Select(p => p.Name).ToHashSet();
        var spares = sim.Nodes.Where(n => !defined.Contains(n.Name) && !sim.Retired.Contains(n.Name)).ToList();
        var members = machine.Members.Where(m => m.State != MemberState.Left).Select(m => m.Name).ToList();
        if (spares.Count > 0 && (members.Count <= 2 || sim.Chance(0.5))) return AddNode(node, sim.Pick(spares).Name);
        if (members.Count <= 2) return null;
        var others = members.Where(m => m != machine.Master).ToList();
        return RemoveNode(node, machine.Master is { } master && sim.Chance(0.25) ? master : sim.Pick(others));
    }

    /// <summary>Add-VmNode of a simulated host: its name, interconnect address and a state folder of its own.</summary>
    public Proposal AddNode(string node, string host) => Membership(node, new AddNode
    {
        Node = new NodeDefinition { Name = host, Interconnect = sim.Node(host).Address.Address, StateDirectory = $"/var/lib/volumemanager/{host}" },
    });

    /// <summary>Remove-VmNode -Permanent.</summary>
    public Proposal RemoveNode(string node, string member) => Membership(node, new RemoveNode { Node = member });

    private static Proposal Membership(string node, Operation op) => new()
    {
        Scope = TransactionScope.Shared, Node = node, Initiator = $"admin@{node}", Operations = [op],
    };

    public Proposal Create(string node, string name, List<string> disks, TransactionScope scope = TransactionScope.Shared, string detachPolicy = DetachPolicies.Global) => new()
    {
        Scope = scope, Node = node, Initiator = $"admin@{node}",
        Operations = [new CreateDiskGroup
        {
            DiskGroup = name, Shared = scope == TransactionScope.Shared, Owner = scope == TransactionScope.Private ? node : null,
            Disks = disks.Select(d => new DiskRef { Name = d }).ToList(),
            DetachPolicy = detachPolicy,
        }],
    };

    /// <summary>
    /// A volume of 16 MiB with two mirrors, named once for the whole run (acknowledged writes are kept by volume name);
    /// every fourth has no dirty region log (copied whole after a crash; chosen without a draw from the seed's random source).
    /// </summary>
    public Proposal Mirrored(string node, string group) => new()
    {
        Scope = TransactionScope.Shared, Node = node, Initiator = $"admin@{node}",
        Operations = [new CreateVolume { DiskGroup = group, Volume = $"v{++volumes:D3}", SizeBytes = 16L << 20, Mirrors = 2, Log = volumes % 4 == 0 ? VolumeLogs.None : null }],
    };

    /// <summary>Removes the last plex of the group's only volume: a change the members cannot serve side by side with the old configuration.</summary>
    public Proposal RemoveLastMirror(string node, DiskGroup group)
    {
        var volume = group.Volumes.Single();
        return new()
        {
            Scope = TransactionScope.Shared, Node = node, Initiator = $"admin@{node}",
            Operations = [new RemoveMirror { DiskGroup = group.Name, Volume = volume.Name, Plex = volume.Plexes[^1].Name }],
        };
    }

    /// <summary>Removes a shared group, or one of its volumes first while it has any (a group with volumes cannot be removed).</summary>
    private Proposal RemoveShared(string node, DiskGroup group) => group.Volumes.Count == 0 ? Remove(node, group.Name) : new()
    {
        Scope = TransactionScope.Shared, Node = node, Initiator = $"admin@{node}",
        Operations = [new RemoveVolume { DiskGroup = group.Name, Volume = sim.Pick(group.Volumes).Name }],
    };

    public Proposal Remove(string node, string name, TransactionScope scope = TransactionScope.Shared) => new()
    {
        Scope = scope, Node = node, Initiator = $"admin@{node}",
        Operations = [new RemoveDiskGroup { DiskGroup = name }],
    };

    /// <summary>
    /// What each initiator reported must match what the nodes did: a change reported done is committed
    /// and nowhere aborted; a change the coordinator reported failed is nowhere committed; the initiator
    /// never throws anything but an endpoint failure.
    /// </summary>
    public List<Violation> CheckOutcomes()
    {
        var violations = new List<Violation>();
        foreach (var run in Runs.Where(r => r.Done && !r.Task.IsCanceled))
        {
            if (run.Error is { } error)
            {
                if (error is not EndpointException)
                    violations.Add(new Violation(InvariantId.Liveness, $"the initiator of {run} threw {error}", run.Node));
                continue;
            }
            var outcome = run.Outcome!;
            if (outcome.Transaction is not { } tx) continue;
            if (outcome.Succeeded && outcome.Stage == ChangeStage.Done)
            {
                if (!sim.Ledger.AnyCommitted(tx.Id) || sim.Ledger.AnyAborted(tx.Id))
                    violations.Add(new Violation(InvariantId.DecisionStable, $"{run} was reported done, but the nodes' outcomes are {Outcomes(tx.Id)}.", run.Node, tx.Id));
                continue;
            }
            var unknown = outcome.Failures.Any(f => f.Node == tx.Coordinator && f.ErrorId is ErrorIds.AgentNotRunning or ErrorIds.EndpointUnreachable or ErrorIds.MasterChanged);
            if (!unknown && sim.Ledger.AnyCommitted(tx.Id))
                violations.Add(new Violation(InvariantId.DecisionStable, $"{run} was reported failed by its coordinator, but the nodes' outcomes are {Outcomes(tx.Id)}.", run.Node, tx.Id));
        }
        return violations;
    }

    private string Outcomes(string id)
    {
        var outcomes = sim.Ledger.Outcomes(id);
        return outcomes.Count == 0 ? "none" : string.Join(", ", outcomes.Select(o => $"{o.Key}={o.Value}"));
    }
}
