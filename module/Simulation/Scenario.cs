using System.Text;
using VolumeManager.Simulation.Invariants;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Simulation;

/// <summary>What a random run may do to the cluster, and for how long.</summary>
public sealed class ScenarioOptions
{
    /// <summary>Two: a share of the runs are two-node clusters, where the disk lease breaks every tie.</summary>
    public int MinNodes { get; set; } = 2;
    public int MaxNodes { get; set; } = 5;
    /// <summary>How long faults and new changes keep coming.</summary>
    public TimeSpan FaultWindow { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Once faults stop, within this much simulated time every change must end and the members converge.</summary>
    public TimeSpan SettleBound { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan MeanFaultGap { get; set; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MeanChangeGap { get; set; } = TimeSpan.FromMilliseconds(200);
    public int MaxConcurrentChanges { get; set; } = 2;
    public bool Crashes { get; set; } = true;
    /// <summary>Agents die just before a chosen protocol step (a send, a durable write, a reply).</summary>
    public bool CrashPoints { get; set; } = true;
    public bool Partitions { get; set; } = true;
    public bool Leaves { get; set; } = true;
    public bool ConnectionResets { get; set; } = true;
    /// <summary>A disk under a mirrored volume starts failing every write, until faults stop (the kernels detach and relocate its plexes).</summary>
    public bool DiskFaults { get; set; } = true;
    /// <summary>
    /// A new fault (crash, crash point, partition, leave) only once the cluster has recovered from the last:
    /// every agent running and joined, no partition. The failure rules of the architecture are about one
    /// failure at a time; off, faults pile up (two masters in a row, a partition during a restart...).
    /// </summary>
    public bool OneFaultAtATime { get; set; } = true;
    /// <summary>Null: TCP. <see cref="NetworkOptions.Hostile"/> loses, duplicates and reorders frames; liveness is then not checked.</summary>
    public NetworkOptions? Network { get; set; }
    public bool CheckLiveness { get; set; } = true;
    /// <summary>After settling, one more change must succeed.</summary>
    public bool FinalChange { get; set; } = true;
    public double DiskInvisibleRate { get; set; } = 0.02;
    public int TraceLines { get; set; }
    /// <summary>See <see cref="SimulationOptions.WireRoundTrip"/>.</summary>
    public bool WireRoundTrip { get; set; }
    /// <summary>
    /// Growing and shrinking the cluster: up to two spare hosts run outside it from the start, and changes add them
    /// (AddNode) or remove members for good (RemoveNode, the master too once its agent is stopped). Off: the runs
    /// are the ones seeds gave before issue 13 (a pinned regression seed keeps its history).
    /// </summary>
    public bool MembershipChanges { get; set; } = true;
    /// <summary>The share of random changes that are AddNode or RemoveNode.</summary>
    public double MembershipShare { get; set; } = 0.1;
}

/// <summary>How one seed's run went.</summary>
public sealed class ScenarioResult
{
    public int Seed { get; init; }
    public int Nodes { get; init; }
    public List<Violation> Violations { get; init; } = [];
    public int Changes { get; init; }
    public int Succeeded { get; init; }
    public int Committed { get; init; }
    public long Events { get; init; }
    /// <summary>Volume writes the kernels acknowledged, and of those the ones that waited for a detach (invariant 7's data model).</summary>
    public int Writes { get; init; }
    public int WritesAfterDetach { get; init; }
    /// <summary>Recoveries of dirty regions and whole copies of mirrors without a log that finished, and writes a crash cut short between plexes (invariant 8).</summary>
    public int RegionRecoveries { get; init; }
    public int WholeRecoveries { get; init; }
    public int TornWrites { get; init; }
    /// <summary>Failed writes that left the plexes different while their writer ran on, and how many of them were repaired (invariant 8 covers them).</summary>
    public int LeftDifferentWrites { get; init; }
    public int RepairedWrites { get; init; }
    public int LeftToRecoveryWrites { get; init; }
    public int GoneWithVolumeWrites { get; init; }
    public int OwedByRemovedNodeWrites { get; init; }
    public TimeSpan Simulated { get; init; }
    public List<string> Faults { get; init; } = [];
    public List<string> Changelog { get; init; } = [];
    public string Trace { get; init; } = "";
    public bool Passed => Violations.Count == 0;

    public const string SeedVariable = "VM_SIM_SEED";

    /// <summary>The environment that selects the variant on replay (VM_SIM_CHAOS=1, VM_SIM_HOSTILE=1, VM_SIM_WIRE=1, VM_SIM_NO_MEMBERSHIP=1), empty for the default.</summary>
    public string Variant { get; init; } = "";

    public static string ReplayCommand(int seed, string variant = "") =>
        $"{variant}{SeedVariable}={seed} dotnet test tests/Engine.Tests --filter \"FullyQualifiedName~SimulationReplay\" --logger \"console;verbosity=detailed\"";

    public string Replay => ReplayCommand(Seed, Variant);

    public string Summary() =>
        $"seed {Seed}: {Nodes} nodes, {Changes} changes ({Succeeded} succeeded, {Committed} committed), {Writes} writes acknowledged ({WritesAfterDetach} after a detach), {TornWrites} torn, {RegionRecoveries} + {WholeRecoveries} recoveries, {Events} events, {Simulated.TotalSeconds:0.0} s simulated, {Violations.Count} violations";

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine(Summary());
        foreach (var v in Violations) text.AppendLine("  " + v);
        text.AppendLine("replay: " + Replay);
        text.AppendLine("faults:");
        foreach (var f in Faults) text.AppendLine("  " + f);
        text.AppendLine("changes:");
        foreach (var c in Changelog) text.AppendLine("  " + c);
        if (Trace.Length > 0) text.AppendLine("trace (last lines):").AppendLine(Trace);
        return text.ToString();
    }
}

/// <summary>
/// One seed, one run: a cluster of random size boots, changes start from random nodes while agents crash
/// (also just before chosen protocol steps), restart, leave and rejoin, and the network partitions and
/// resets connections. Then the faults stop, every stopped agent restarts, and the run must settle.
/// </summary>
public static class Scenario
{
    private static readonly (string Name, Func<Effect, bool> Matches)[] Steps =
    [
        ("send Prepare", e => e is Send { Message: Prepare }),
        ("send Prepared", e => e is Send { Message: Prepared }),
        ("send CommitNotice", e => e is Send { Message: CommitNotice }),
        ("send CommitAck", e => e is Send { Message: CommitAck }),
        ("send AbortNotice", e => e is Send { Message: AbortNotice }),
        ("send JoinAccepted", e => e is Send { Message: JoinAccepted }),
        ("send MembershipUpdate", e => e is Send { Message: MembershipUpdate }),
        ("persist Prepared", e => e is PersistRecord { Record: { State: Engine.Transactions.TransactionState.Prepared, Decided: false } }),
        ("persist decision", e => e is PersistRecord { Record.Decided: true }),
        ("persist Committed", e => e is PersistRecord { Record.State: Engine.Transactions.TransactionState.Committed }),
        ("persist Aborted", e => e is PersistRecord { Record.State: Engine.Transactions.TransactionState.Aborted }),
        ("persist database", e => e is PersistDatabase),
        ("reply", e => e is Reply),
        ("quiesce", e => e is Quiesce),
        ("write disk copies", e => e is WriteDiskCopies),
    ];

    public static ScenarioResult Run(int seed, ScenarioOptions? options = null)
    {
        options ??= new ScenarioOptions();
        var sizes = new Random(seed);
        var size = sizes.Next(options.MinNodes, options.MaxNodes + 1);
        var spares = options.MembershipChanges ? sizes.Next(3) : 0;
        var sim = new Simulator(new SimulationOptions
        {
            Nodes = size + spares, DefinedNodes = size, Seed = seed, Network = options.Network ?? NetworkOptions.Tcp(),
            DiskInvisibleRate = options.DiskInvisibleRate, TraceLines = options.TraceLines, WireRoundTrip = options.WireRoundTrip,
        });
        var workload = new Workload(sim) { MembershipShare = options.MembershipChanges ? options.MembershipShare : 0 };
        var faults = new List<string>();
        void Fault(string text)
        {
            faults.Add($"{sim.Elapsed.TotalSeconds:0.000} {text}");
            sim.Trace.Add(sim.Elapsed, "FAULT " + text);
        }
        var retirement = new MasterRetirement(sim, workload, Fault);
        // An agent the run may start: not one retiring, nor one whose own definition no longer names it (removed for good, and told).
        bool Startable(SimNode node) => !node.Removed && !retirement.IsRetiring(node);
        var protocol = sim.Options.Protocol;
        var end = options.FaultWindow;
        var cutPaths = new List<(SimNode Node, string Disk)>();

        // Agents boot within the first second: the first forms the cluster, the rest join (some while changes run);
        // spare hosts start too, outside the cluster until a change adds them.
        foreach (var node in sim.Nodes)
            sim.At(sim.Between(TimeSpan.Zero, TimeSpan.FromSeconds(1)), () => sim.Start(node));

        void Later(TimeSpan delay, SimNode node)
        {
            if (sim.Elapsed + delay >= end) return; // restarted when faults stop
            sim.At(delay, () => { if (!node.Running && sim.Elapsed < end && Startable(node)) { Fault($"{node.Name} agent restarts"); sim.Start(node); } });
        }

        TimeSpan RestartDelay() => sim.Random.NextDouble() switch
        {
            < 0.5 => sim.Between(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(600)),
            < 0.9 => sim.Between(protocol.DownAfter, protocol.FailureTimeout * 1.5),
            _ => end,
        };

        void ChangeLoop()
        {
            if (sim.Elapsed >= end) return;
            var running = sim.Nodes.Where(n => n.Running && sim.InCluster(n)).ToList();
            if (running.Count > 0 && workload.Running.Count() < options.MaxConcurrentChanges)
                workload.StartRandom(sim.Pick(running).Name);
            sim.At(sim.Between(TimeSpan.FromMilliseconds(20), options.MeanChangeGap * 2), ChangeLoop);
        }

        void FaultLoop()
        {
            if (sim.Elapsed >= end) return;
            if (options.OneFaultAtATime && !Recovered())
            {
                sim.At(TimeSpan.FromMilliseconds(50), FaultLoop);
                return;
            }
            var running = sim.Nodes.Where(n => n.Running).ToList();
            var master = running.FirstOrDefault(n => n.Machine!.IsMaster && sim.InCluster(n));
            var kinds = new List<string>();
            if (options.Crashes && running.Count > 0) kinds.AddRange(["crash", "crash"]);
            if (options.CrashPoints && running.Count > 0) kinds.AddRange(["crash-point", "crash-point", "crash-point"]);
            if (options.Partitions && sim.Nodes.Count > 1) kinds.Add("partition");
            if (options.ConnectionResets && running.Count > 1) kinds.Add("reset");
            if (options.Leaves && running.Any(n => n.Machine!.Phase == NodePhase.Joined && !n.Machine.IsMaster)) kinds.Add("leave");
            var mirrored = master?.Machine!.Database.Shared.SelectMany(g => g.Volumes).Where(v => v.Plexes.Count(p => p.IsActive) > 1)
                .SelectMany(v => v.AttachedDiskNames).Where(d => !sim.Data.FailingDisks.Contains(d)).Distinct().ToList() ?? [];
            if (options.DiskFaults && mirrored.Count > 0) kinds.AddRange(["disk-fails", "path-fails"]);
            if (options.MembershipChanges && master is not null && !retirement.Any && sim.Defined.Count > 2) kinds.Add("retire-master");
            if (kinds.Count > 0)
            {
                switch (sim.Pick(kinds))
                {
                    case "crash":
                    {
                        var victim = master is not null && sim.Chance(0.4) ? master : sim.Pick(running);
                        Fault($"{victim.Name} agent crashes{(victim == master ? " (master)" : "")}");
                        sim.Crash(victim);
                        Later(RestartDelay(), victim);
                        break;
                    }
                    case "crash-point":
                    {
                        var victim = master is not null && sim.Chance(0.5) ? master : sim.Pick(running);
                        var (name, matches) = Steps[sim.Random.Next(Steps.Length)];
                        var skip = sim.Random.Next(3);
                        var restart = RestartDelay();
                        Fault($"{victim.Name} armed to die before {name} (after {skip} earlier ones)");
                        var armedIncarnation = victim.Incarnation;
                        sim.At(TimeSpan.FromSeconds(2), () => { if (victim.Incarnation == armedIncarnation && victim.CrashBefore is not null) victim.CrashBefore = null; });
                        victim.CrashBefore = e =>
                        {
                            if (!matches(e) || sim.Elapsed >= end) return false;
                            if (skip-- > 0) return false;
                            Fault($"{victim.Name} dies before {name}");
                            Later(restart, victim);
                            return true;
                        };
                        break;
                    }
                    case "partition":
                    {
                        var names = sim.Nodes.Select(n => n.Name).OrderBy(_ => sim.Random.Next()).ToList();
                        var side = names.Take(1 + sim.Random.Next(names.Count - 1)).ToList();
                        var reset = sim.Chance(0.5);
                        var heal = sim.Between(TimeSpan.FromMilliseconds(100), protocol.FailureTimeout * 2);
                        Fault($"partition [{string.Join(",", side)}] | rest ({(reset ? "connections reset" : "connections held")}) for {heal.TotalSeconds:0.00} s");
                        sim.Network.Partition(side, reset);
                        sim.At(heal, () => { if (sim.Elapsed < end) { Fault("partition heals"); sim.Network.Heal(); } });
                        break;
                    }
                    case "disk-fails":
                    {
                        var disk = sim.Pick(mirrored);
                        Fault($"disk {disk} fails every write");
                        sim.Data.FailingDisks.Add(disk);
                        break;
                    }
                    case "path-fails":
                    {
                        var (node, disk) = (sim.Pick(running), sim.Pick(mirrored));
                        Fault($"{node.Name}'s path to disk {disk} fails (the other nodes still reach it)");
                        sim.Data.FailingPaths.Add((node.Name, disk));
                        if (node.InvisibleDisks.Add(disk)) cutPaths.Add((node, disk));
                        break;
                    }
                    case "reset":
                    {
                        var a = sim.Pick(running);
                        var b = sim.Pick(running.Where(n => n != a).ToList());
                        Fault($"connection {a.Name}<->{b.Name} resets");
                        sim.Network.BreakConnection(a.Name, b.Name);
                        break;
                    }
                    case "retire-master":
                        retirement.Retire(master!);
                        break;
                    case "leave":
                    {
                        var leaver = sim.Pick(running.Where(n => n.Machine!.Phase == NodePhase.Joined && !n.Machine.IsMaster).ToList());
                        Fault($"{leaver.Name} leaves the cluster (Remove-VmNode)");
                        _ = sim.Request(leaver.Name, new LeaveRequest());
                        var back = sim.Between(TimeSpan.FromMilliseconds(100), protocol.FailureTimeout);
                        sim.At(back, () =>
                        {
                            if (sim.Elapsed >= end || leaver.Machine is not { Phase: NodePhase.Left } || !sim.InCluster(leaver)) return;
                            Fault($"{leaver.Name} agent restarts to join again");
                            sim.Restart(leaver);
                        });
                        break;
                    }
                }
            }
            sim.At(sim.Between(TimeSpan.FromMilliseconds(20), options.MeanFaultGap * 2), FaultLoop);
        }

        bool Recovered() => !sim.Network.Partitioned && sim.Nodes.Where(sim.InCluster).All(n => n.Machine is { Phase: NodePhase.Joined, Active: null } m && n.CrashBefore is null && !n.AnyGateClosed)
            && sim.Nodes.Where(sim.InCluster).Select(n => n.Machine!.Master).Distinct().Count() == 1;

        sim.At(TimeSpan.FromMilliseconds(300), ChangeLoop);
        sim.At(sim.Between(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(1200)), FaultLoop);
        sim.RunFor(end);

        // Faults stop: the network heals, every agent that is down or has left is started again (a spare host's and a
        // retiring master's too; not one the cluster removed for good).
        Fault("faults stop: network heals, failing disks are replaced, stopped agents restart");
        sim.Network.Heal();
        sim.Data.FailingDisks.Clear();
        sim.Data.FailingPaths.Clear();
        foreach (var (node, disk) in cutPaths) node.InvisibleDisks.Remove(disk);
        retirement.GiveUp();
        foreach (var node in sim.Nodes)
        {
            node.CrashBefore = null;
            if (!node.Running && Startable(node) && !sim.Retired.Contains(node.Name)) sim.Start(node);
            else if (node.Running && node.Machine!.Phase == NodePhase.Left && sim.InCluster(node)) sim.Restart(node);
        }
        var stopped = sim.Elapsed;
        sim.RunFor(protocol.DownAfter * 1.5); // connection resets and leave requests already under way still land
        foreach (var node in sim.Nodes.Where(n => n.Machine is { Phase: NodePhase.Left } && sim.InCluster(n))) sim.Restart(node);
        var violations = new List<Violation>();
        if (options.CheckLiveness)
        {
            // Writes that failed before the disks were replaced may still be asking for detaches: not at rest yet.
            var settled = sim.RunUntil(() => !workload.Running.Any() && sim.Data.DetachesAwaited == 0 && QuickSettled(sim) && AtRest(sim, sim.Elapsed - stopped).Count == 0,
                options.SettleBound, TimeSpan.FromMilliseconds(100));
            if (!settled)
            {
                violations.AddRange(AtRest(sim, sim.Elapsed - stopped));
                foreach (var node in sim.Nodes.Where(n => n.AnyGateClosed))
                    violations.Add(new Violation(InvariantId.Liveness, $"{(sim.Elapsed - stopped).TotalSeconds:0.#} s after faults stopped, {node.Name}'s kernel still blocks I/O to a quiesced disk group.", node.Name));
                foreach (var run in workload.Running)
                    violations.Add(new Violation(InvariantId.Liveness, $"{(sim.Elapsed - stopped).TotalSeconds:0.#} s after faults stopped, {run} has not ended.", run.Node));
                if (sim.Data.DetachesAwaited > 0)
                    violations.Add(new Violation(InvariantId.Liveness, $"{(sim.Elapsed - stopped).TotalSeconds:0.#} s after faults stopped, {sim.Data.DetachesAwaited} failed write(s) still wait for a plex's detach: {sim.Data.DetachesAwaitedText}"));
            }
            else if (options.FinalChange && sim.Nodes.First(sim.InCluster) is var home && workload.SaneProposal(home.Name) is { } proposal)
            {
                var final = workload.Start(home.Name, proposal);
                if (!sim.RunUntil(() => final.Done, TimeSpan.FromSeconds(20)) || final.Outcome is not { Succeeded: true })
                    violations.Add(new Violation(InvariantId.Liveness, $"on the settled cluster, {final}", home.Name));
                sim.RunUntil(() => QuickSettled(sim) && AtRest(sim, sim.Elapsed - stopped).Count == 0,
                    TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
                violations.AddRange(AtRest(sim, sim.Elapsed - stopped));
            }
        }
        else sim.RunFor(TimeSpan.FromSeconds(5));
        violations.AddRange(MirrorsAgree(sim, options.CheckLiveness));
        sim.Complete();
        violations.AddRange(ClusterInvariants.CopiesOnOneLine(sim.Disks.Copies()));
        violations.InsertRange(0, sim.AllViolations);
        violations.AddRange(workload.CheckOutcomes());
        return new ScenarioResult
        {
            Seed = seed, Nodes = size,
            Variant = (options.OneFaultAtATime ? "" : "VM_SIM_CHAOS=1 ") + (options.Network is { Fifo: false } ? "VM_SIM_HOSTILE=1 " : "") + (options.WireRoundTrip ? "VM_SIM_WIRE=1 " : "") + (options.MembershipChanges ? "" : "VM_SIM_NO_MEMBERSHIP=1 "),
            Violations = violations.DistinctBy(v => v.ToString()).ToList(),
            Changes = workload.Runs.Count,
            Succeeded = workload.Runs.Count(r => r.Outcome is { Succeeded: true }),
            Committed = sim.Ledger.CommittedGenerations.Count,
            Events = sim.Events,
            Writes = sim.Data.Acknowledged,
            WritesAfterDetach = sim.Data.AcknowledgedAfterDetach,
            RegionRecoveries = sim.Recovery.RegionRecoveries, WholeRecoveries = sim.Recovery.WholeRecoveries, TornWrites = sim.Data.Torn, LeftDifferentWrites = sim.Data.LeftDifferent, RepairedWrites = sim.Data.Repaired, LeftToRecoveryWrites = sim.Data.LeftToRecovery, GoneWithVolumeWrites = sim.Data.GoneWithVolume, OwedByRemovedNodeWrites = sim.Data.OwedByRemovedNodes,
            Simulated = sim.Elapsed,
            Faults = faults,
            Changelog = workload.Runs.Select(r => $"{r.Started.TotalSeconds:0.000} {r}").ToList(),
            Trace = sim.Trace.ToString(),
        };
    }

    /// <summary>
    /// Invariant 8 at the end of a run: once the recoveries under way, the repairs of failed writes and every dirty region
    /// a stopped run left are copied, every mirror's Active plexes agree on every node. Recoveries that do not finish are a liveness failure.
    /// </summary>
    public static List<Violation> MirrorsAgree(Simulator sim, bool checkLiveness)
    {
        SimNode? Coordinator() => sim.Nodes.FirstOrDefault(n => n.Machine is { IsMaster: true, Phase: NodePhase.Joined } && sim.InCluster(n));
        bool Done() => sim.Recovery.Running == 0 && sim.Data.RepairsPending == 0 && Coordinator() is { } master && sim.Drl.Unrecovered(master.Machine!.Database) == 0;
        if (!sim.RunUntil(Done, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100)))
            return checkLiveness
                ? [new Violation(InvariantId.Liveness, $"20 s after the run settled, recoveries are still owed: {sim.Recovery.Running} under way, {sim.Data.RepairsPending} repairs of failed writes, {(Coordinator() is { } m ? sim.Drl.Unrecovered(m.Machine!.Database) : -1)} dirty region entries of stopped runs left.")]
                : [];
        foreach (var node in sim.Nodes.Where(n => n.Running && sim.InCluster(n))) sim.Data.CheckMirrors(node);
        return [];
    }

    /// <summary>
    /// Liveness at rest (<see cref="ClusterInvariants.Settled"/>) over the nodes of the cluster, and invariant 9: they
    /// agree on the definition the commits made and count exactly it in their quorum.
    /// </summary>
    public static List<Violation> AtRest(Simulator sim, TimeSpan after)
    {
        var nodes = sim.Snapshots();
        var violations = ClusterInvariants.Settled(nodes, after);
        return violations.Count > 0 ? violations : ClusterInvariants.DefinitionAtRest(nodes, sim.Defined);
    }

    /// <summary>A cheap test before the full <see cref="ClusterInvariants.Settled"/>: all running and joined, one master, no slot held, one generation.</summary>
    public static bool QuickSettled(Simulator sim)
    {
        long? generation = null;
        string? master = null;
        foreach (var node in sim.Nodes.Where(sim.InCluster))
        {
            if (node.Machine is not { Phase: NodePhase.Joined } m || m.Master is null) return false;
            if (m.Active is not null || node.AnyGateClosed) return false;
            if ((generation ??= m.Database.Generation) != m.Database.Generation) return false;
            if ((master ??= m.Master) != m.Master) return false;
        }
        return true;
    }
}
