using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// Growing and shrinking the cluster online. An <see cref="AddNode"/> or <see cref="RemoveNode"/> is a transaction
/// like any other: every member applies it at commit, with the generation, so the cluster definition, the
/// membership and with it the quorum's denominator change in the same step on every node.
/// </summary>
public sealed partial class NodeMachine
{
    /// <summary>The nodes of this node's cluster definition, itself included.</summary>
    public IEnumerable<PeerAddress> Definition => peers.Prepend(selfAddress).OrderBy(p => p.Order);

    /// <summary>
    /// A sender this node's cluster definition does not name (never added, or removed for good) is not heard: it
    /// can neither join nor count, whatever it sends, until an AddNode commits it into the definition.
    /// </summary>
    private bool IsStranger(string from)
    {
        if (from == self || peers.Any(p => p.Name == from)) return false;
        if (strangersLogged.Add(from)) Log($"ignored node {from}: it is not in this node's cluster definition (Add-VmNode adds a node)");
        return true;
    }

    /// <summary>(Master, at begin.) Why the membership changes a request carries cannot be made; null when they can.</summary>
    private NodeFailure? DefinitionProblem(BeginRequest request)
    {
        foreach (var op in request.Operations)
        {
            var problem = op switch
            {
                AddNode add when Definition.FirstOrDefault(p => p.Name == add.Node.Name) is not null =>
                    (ErrorIds.NodeExists, $"node {add.Node.Name} is already defined in the cluster."),
                AddNode add when Definition.FirstOrDefault(p => p.Address == add.Node.Interconnect) is { } holder =>
                    (ErrorIds.NodeExists, $"interconnect address {add.Node.Interconnect} is already node {holder.Name}'s."),
                RemoveNode remove when remove.Node == self =>
                    (ErrorIds.NodeIsMaster, $"node {self} is the master, which coordinates the change; stop its agent so that another member takes over, then remove it."),
                RemoveNode remove when peers.All(p => p.Name != remove.Node) =>
                    (ErrorIds.NodeNotFound, $"node {remove.Node} is not defined in the cluster."),
                _ => default((string, string)?),
            };
            if (problem is var (id, reason)) return NodeFailure.Of(self, id, reason);
        }
        return null;
    }

    /// <summary>The node a transaction takes out of the cluster: it is told of the commit last, never first (it will not succeed the master).</summary>
    private static bool Removes(Transaction tx, string node) => tx.Operations.OfType<RemoveNode>().Any(r => r.Node == node);

    /// <summary>
    /// A node that a change this node holds prepared takes out of the cluster. The master tells it of the commit last
    /// (<see cref="Removes"/>), so it does not succeed the master while that change is open: taking over, it would
    /// abort what the member told first may have committed.
    /// </summary>
    private bool RemovedByOpenChange(string node) =>
        Records.Any(r => r.State == TransactionState.Prepared && Removes(r.Transaction, node));

    /// <summary>At commit, on every member alike: the definition and the membership change together.</summary>
    private void ApplyDefinitionChanges(DateTimeOffset now, Transaction tx)
    {
        var changes = tx.Operations.Where(o => o is AddNode or RemoveNode).ToList();
        if (changes.Count == 0) return;
        definitionChangedAt = Database.Generation;
        foreach (var op in changes)
        {
            if (op is AddNode add) Define(now, add.Node);
            else if (op is RemoveNode remove) Undefine(remove.Node);
        }
        if (removedForGood) { LeaveForGood(); return; }
        Log($"cluster definition now {string.Join(", ", Definition.Select(p => p.Name))}; the quorum counts {(Members.Count > 0 ? MembershipNames().Count : Database.Membership.Count)} members");
        if (!IsMaster) return;
        Epoch++;
        BroadcastMembership();
    }

    private void Define(DateTimeOffset now, NodeDefinition node)
    {
        // The added node itself may take its own addition (a new master resends it to every member): it defines itself already.
        if (node.Name == self) return;
        var order = Definition.Max(p => p.Order) + 1;
        peers.RemoveAll(p => p.Name == node.Name);
        peers.Add(new PeerAddress(node.Name, node.Interconnect, order));
        if (Members.Count == 0) SettleDurableMembership(node.Name, added: true);
        else if (Member(node.Name) is null or { State: MemberState.Left })
        {
            Members.RemoveAll(m => m.Name == node.Name);
            Members.Add(new MemberInfo { Name = node.Name, Rank = Members.Count == 0 ? 0 : Members.Max(m => m.Rank) + 1, Address = node.Interconnect, State = MemberState.Joining });
        }
        // Its failure timeout starts now: a new node that never starts is evicted like any silent member (it may join later).
        lastHeard[node.Name] = now;
        Emit(new DefineNode(node));
    }

    private void Undefine(string node)
    {
        Emit(new UndefineNode(node));
        if (node == self) { removedForGood = true; return; }
        if (Members.Count == 0) SettleDurableMembership(node, added: false);
        peers.RemoveAll(p => p.Name == node);
        Members.RemoveAll(m => m.Name == node);
        lastHeard.Remove(node);
        admittedAt.Remove(node);
        pendingJoins.RemoveAll(j => j.From == node);
        discoveringPeers.Remove(node);
        peerGenerations.Remove(node);
    }

    /// <summary>This node was removed for good: it follows no master and answers no peer (its agent is stopped next).</summary>
    private void LeaveForGood()
    {
        Log($"node {self} was removed from the cluster for good at generation {Database.Generation}");
        // A change of its own still open (a private group's) would never hear from itself again: it ends here, nothing changed.
        if (Active is { Decided: false } own)
            Abort(clock, ErrorIds.NodeLeft, [NodeFailure.Of(self, ErrorIds.NodeLeft, $"node {self} was removed from the cluster for good while {own.Transaction.Id} was open; nothing was changed.")]);
        Master = null;
        Members = [];
        Phase = NodePhase.Left;
    }

    /// <summary>
    /// (Joining.) The master's definition, taken: peers it no longer names were removed for good while this node was
    /// away, or before it was added (its definition file was written from an older one), and are dropped as the
    /// RemoveNode's commit drops them on the members, so this node neither hears them nor admits them should it become
    /// master; nodes it names that this node lacks (added meanwhile, even if never joined) become peers.
    /// </summary>
    private void TakeDefinition(List<NodeDefinition> definition)
    {
        if (definition.Count == 0) return; // a master that does not send its definition
        foreach (var removed in peers.Where(p => definition.All(d => d.Name != p.Name)).Select(p => p.Name).ToList())
        {
            Log($"node {removed} is no longer in master {Master}'s cluster definition: dropped from this node's");
            Undefine(removed);
        }
        foreach (var added in definition.Where(d => d.Name != self && peers.All(p => p.Name != d.Name)))
        {
            peers.Add(new PeerAddress(added.Name, added.Interconnect, Definition.Max(p => p.Order) + 1));
            Emit(new DefineNode(new NodeDefinition { Name = added.Name, Interconnect = added.Interconnect }));
        }
    }

    /// <summary>
    /// Members the master names that this node's definition lacks (added while this node was away): peers from now on,
    /// at the address the membership gives, so this node can reach them. Its definition file learns them only by name
    /// and address (<see cref="DefineNode"/> without a state folder).
    /// </summary>
    private void LearnPeers(IEnumerable<MemberInfo> members)
    {
        foreach (var member in members.Where(m => m.State != MemberState.Left && m.Name != self && m.Address.Length > 0 && peers.All(p => p.Name != m.Name)))
        {
            peers.Add(new PeerAddress(member.Name, member.Address, Definition.Max(p => p.Order) + 1));
            Emit(new DefineNode(new NodeDefinition { Name = member.Name, Interconnect = member.Address }));
        }
    }
}
