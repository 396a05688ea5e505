using VolumeManager.Engine.Import;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Simulation.Invariants;

/// <summary>
/// The invariants checked over snapshots of node states (1, 5, 7 and liveness). Pure functions:
/// the simulator calls them on its nodes, a real-process test on what the endpoints answer.
/// </summary>
public static class ClusterInvariants
{
    /// <summary>
    /// One cluster's disk copies never diverge: for every group on the disks, the import's split-brain decision
    /// (<see cref="ImportSelection"/>) finds one newest copy, the others only older.
    /// </summary>
    public static List<Violation> CopiesOnOneLine(IReadOnlyList<DiskCopy> copies) =>
        copies.Select(c => c.DiskGroup).Distinct().Select(name => ImportSelection.Choose(name, copies))
            .Where(s => s.SplitBrain)
            .Select(s => new Violation(InvariantId.CopiesOnOneLine, s.Problem!))
            .ToList();

    /// <summary>
    /// Invariant 1: the given members (those that acknowledged a completed change, or every member
    /// once the cluster is at rest) have the same generation and byte-identical shared configuration.
    /// </summary>
    public static List<Violation> SameConfiguration(IEnumerable<NodeSnapshot> members, string when)
    {
        var groups = members.GroupBy(m => (m.Generation, m.SharedHash)).ToList();
        if (groups.Count <= 1) return [];
        var detail = string.Join("; ", groups.Select(g => $"[{string.Join(", ", g.Select(m => m.Node))}] at generation {g.Key.Generation} ({g.Key.SharedHash[..12]})"));
        return [new Violation(InvariantId.SameConfiguration, $"{when}: members differ: {detail}.")];
    }

    /// <summary>
    /// Invariant 1 at the moment <paramref name="master"/> reports <paramref name="tx"/> complete: every
    /// member of the transaction the master counts as Joined, and which is running and follows it, matches the master.
    /// </summary>
    public static List<Violation> AfterCompletedChange(NodeSnapshot master, Transaction tx, IEnumerable<NodeSnapshot> nodes)
    {
        var joined = master.Members.Where(m => m.State == MemberState.Joined).Select(m => m.Name).ToHashSet();
        var acknowledged = nodes.Where(n => n.Node != master.Node && tx.Members.Contains(n.Node) && joined.Contains(n.Node)
            && n.Running && n.Phase == NodePhase.Joined && n.Master == master.Node);
        var when = $"after {tx.Id} completed on {master.Node}";
        List<NodeSnapshot> applied = [master, .. acknowledged];
        return [.. SameConfiguration(applied, when), .. SameDefinition(applied, when), .. DefinitionApplied(applied, tx, when)];
    }

    /// <summary>
    /// Invariant 9: the given members hold the same cluster definition (a committed AddNode or RemoveNode changes it
    /// on every member in the step that changes the generation). Members whose definition is not known are left out.
    /// </summary>
    public static List<Violation> SameDefinition(IEnumerable<NodeSnapshot> members, string when)
    {
        var groups = members.Where(m => m.Definition.Count > 0).GroupBy(m => Names(m.Definition)).ToList();
        if (groups.Count <= 1) return [];
        var detail = string.Join("; ", groups.Select(g => $"[{string.Join(", ", g.Select(m => m.Node))}] define [{g.Key}]"));
        return [new Violation(InvariantId.SameDefinition, $"{when}: cluster definitions differ: {detail}.")];
    }

    /// <summary>Invariant 9: every member that applied <paramref name="tx"/> counts the nodes it adds in its quorum and no longer the nodes it removes.</summary>
    public static List<Violation> DefinitionApplied(IEnumerable<NodeSnapshot> members, Transaction tx, string when)
    {
        var added = tx.Operations.OfType<Engine.Operations.AddNode>().Select(a => a.Node.Name).ToList();
        var removed = tx.Operations.OfType<Engine.Operations.RemoveNode>().Select(r => r.Node).ToList();
        if (added.Count + removed.Count == 0) return [];
        var violations = new List<Violation>();
        foreach (var member in members.Where(m => m.Running && m.Generation >= tx.BaseGeneration + 1))
        {
            var counted = member.Members.Where(m => m.State != MemberState.Left).Select(m => m.Name).ToHashSet();
            var wrong = removed.Where(counted.Contains).Concat(added.Where(a => !counted.Contains(a) && member.Members.All(m => m.Name != a))).ToList();
            if (wrong.Count > 0)
                violations.Add(new Violation(InvariantId.SameDefinition, $"{when}: {member.Node} at generation {member.Generation} counts [{string.Join(", ", counted.Order(StringComparer.Ordinal))}] in its quorum, " +
                    $"against {tx.Id}'s change of [{string.Join(", ", wrong)}].", member.Node, tx.Id));
        }
        return violations;
    }

    /// <summary>
    /// Invariant 9 at rest: every joined member defines the same nodes, counts the same membership (the quorum's
    /// denominator) and holds it durably; the definition is what the commits made it (<paramref name="defined"/>) and
    /// every node of it is a joined member.
    /// </summary>
    public static List<Violation> DefinitionAtRest(IReadOnlyList<NodeSnapshot> nodes, IReadOnlyCollection<string> defined)
    {
        var joined = nodes.Where(n => n.Running && n.Phase == NodePhase.Joined).ToList();
        var violations = SameDefinition(joined, "at rest");
        var expected = Names(defined);
        foreach (var n in joined)
        {
            var counted = Names(n.Members.Where(m => m.State != MemberState.Left).Select(m => m.Name));
            var durable = Names(n.Database.Membership);
            if (n.Definition.Count > 0 && Names(n.Definition) != expected)
                violations.Add(new Violation(InvariantId.SameDefinition, $"at rest: {n.Node} defines [{Names(n.Definition)}], but the commits made the cluster [{expected}].", n.Node));
            if (counted != expected || durable != expected)
                violations.Add(new Violation(InvariantId.SameDefinition, $"at rest: {n.Node} counts [{counted}] in its quorum and holds [{durable}] durably, but the cluster is [{expected}].", n.Node));
        }
        return violations;
    }

    private static string Names(IEnumerable<string> names) => string.Join(", ", names.Order(StringComparer.Ordinal));

    /// <summary>
    /// Invariant 5: when <paramref name="node"/> applies the commit of <paramref name="tx"/>, no I/O to any of
    /// its disk groups is in flight. <paramref name="inFlight"/> gives the node's kernel count per disk group.
    /// </summary>
    public static Violation? NoIoInFlightAtCommit(string node, Transaction tx, Func<string, int> inFlight)
    {
        var busy = tx.DiskGroups.Select(g => (Group: g, Count: inFlight(g))).Where(x => x.Count > 0).ToList();
        return busy.Count == 0 ? null : new Violation(InvariantId.NoIoInFlightAtCommit,
            $"{node} applied {tx.Id} with I/O in flight to {string.Join(", ", busy.Select(b => $"'{b.Group}' ({b.Count})"))}.", node, tx.Id);
    }

    /// <summary>
    /// Liveness, once faults have stopped and the bound has passed: every running node is Joined under one
    /// master, that master's membership is exactly those nodes, no transaction is open or in doubt
    /// anywhere, and all members have the same configuration.
    /// </summary>
    public static List<Violation> Settled(IReadOnlyList<NodeSnapshot> nodes, TimeSpan after)
    {
        var violations = new List<Violation>();
        void Add(string message, string? node = null, string? tx = null) =>
            violations.Add(new Violation(InvariantId.Liveness, $"{after.TotalSeconds:0.###} s after faults stopped: {message}", node, tx));
        var running = nodes.Where(n => n.Running).ToList();
        foreach (var n in nodes.Where(n => !n.Running)) Add($"{n.Node}'s agent is not running.", n.Node);
        foreach (var n in running.Where(n => n.Phase != NodePhase.Joined)) Add($"{n.Node} is {n.Phase}, not Joined.", n.Node);
        var masters = running.Where(n => n.IsMaster).ToList();
        if (masters.Count != 1) Add($"{masters.Count} nodes act as master ({string.Join(", ", masters.Select(m => m.Node))}).");
        var followed = running.Where(n => n.Phase == NodePhase.Joined).Select(n => n.Master ?? "(none)").Distinct().ToList();
        if (followed.Count > 1) Add($"nodes follow different masters: {string.Join(", ", followed)}.");
        if (masters.Count == 1)
        {
            var master = masters[0];
            var members = master.CurrentMembers.Select(m => m.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
            var joined = running.Where(n => n.Phase == NodePhase.Joined).Select(n => n.Node).OrderBy(n => n, StringComparer.Ordinal).ToList();
            if (!members.SequenceEqual(joined)) Add($"master {master.Node} counts [{string.Join(", ", members)}] as members, but [{string.Join(", ", joined)}] are joined.", master.Node);
            foreach (var down in master.Members.Where(m => m.State == MemberState.Down)) Add($"master {master.Node} still counts {down.Name} as Down.", down.Name);
            if (master.ActiveTransaction is { } open) Add($"master {master.Node} still holds transaction {open}.", master.Node, open);
        }
        foreach (var n in running)
            foreach (var r in n.Records.Where(r => !r.IsFinal && r.State is TransactionState.Preparing or TransactionState.Prepared))
                Add($"{n.Node} still has {r.Transaction.Id} {r.State}, neither committed nor aborted.", n.Node, r.Transaction.Id);
        violations.AddRange(SameConfiguration(running.Where(n => n.Phase == NodePhase.Joined), "at rest")
            .Select(v => v with { Invariant = InvariantId.Liveness, Message = $"{after.TotalSeconds:0.###} s after faults stopped: {v.Message}" }));
        return violations;
    }
}
