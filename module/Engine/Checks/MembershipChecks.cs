using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.Checks;

/// <summary>The checks of a change of membership (Add-VmNode of a new node, Remove-VmNode -Permanent).</summary>
public static class MembershipChecks
{
    public static bool Handles(Operation op) => op is AddNode or RemoveNode;

    public static List<CheckResult> Local(ClusterView view, Operation op) => op switch
    {
        AddNode add => Add(view, add.Node),
        RemoveNode remove => Remove(view, remove.Node),
        _ => [],
    };

    /// <summary>Every member takes the change into its definition; nothing of its own can refuse it.</summary>
    public static IEnumerable<CheckResult> Node(string node, Operation op) =>
        [CheckResult.Pass(ErrorIds.NodeExists, $"node {node} takes '{op.Describe()}' into its cluster definition")];

    private static List<CheckResult> Add(ClusterView view, NodeDefinition node)
    {
        var checks = new List<CheckResult> { LocalChecks.Name(node.Name, "node") };
        if (!checks[0].Passed) return checks;
        var address = ClusterYamlValues.HostPort(node.Interconnect);
        checks.Add(address is null
            ? CheckResult.Fail(ErrorIds.InvalidName, $"'{node.Interconnect}' is not host:port; node {node.Name}'s interconnect address must be an address and a port, e.g. 10.0.0.5:7600.")
            : CheckResult.Pass(ErrorIds.InvalidName, $"interconnect address {address}"));
        var named = view.Members.FirstOrDefault(m => NameRules.Same(m.Name, node.Name) && m.State != MemberState.Left);
        checks.Add(named is not null
            ? CheckResult.Fail(ErrorIds.NodeExists, $"node {named.Name} is already a member of the cluster ({named.State}).")
            : CheckResult.Pass(ErrorIds.NodeExists, $"no member named {node.Name}"));
        var holder = view.Members.FirstOrDefault(m => m.State != MemberState.Left && ClusterYamlValues.HostPort(m.Address) == address);
        if (address is not null && holder is not null)
            checks.Add(CheckResult.Fail(ErrorIds.NodeExists, $"interconnect address {node.Interconnect} is already node {holder.Name}'s."));
        return checks;
    }

    private static List<CheckResult> Remove(ClusterView view, string node)
    {
        var checks = new List<CheckResult> { LocalChecks.Name(node, "node") };
        if (!checks[0].Passed) return checks;
        checks.Add(view.Members.Any(m => NameRules.Same(m.Name, node))
            ? CheckResult.Pass(ErrorIds.NodeNotFound, $"node {node} is in the membership")
            : CheckResult.Fail(ErrorIds.NodeNotFound, $"node {node} is not a member of the cluster."));
        checks.Add(NameRules.Same(view.Master, node)
            ? CheckResult.Fail(ErrorIds.NodeIsMaster, $"node {node} is the master, which coordinates the change; stop its agent so that another member takes over, then remove it.")
            : CheckResult.Pass(ErrorIds.NodeIsMaster, $"node {node} is not the master"));
        if (view.Members.Count(m => m.State != MemberState.Left) <= 1)
            checks.Add(CheckResult.Fail(ErrorIds.NodeNotFound, $"node {node} is the last member; a cluster keeps at least one."));
        return checks;
    }
}
