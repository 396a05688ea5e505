using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Model;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>The members of the cluster: role, state, rank, agent and generation of each.</summary>
[Cmdlet(VerbsCommon.Get, "VmNode")]
[OutputType(typeof(VmNode))]
public sealed class GetVmNodeCommand : VmCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    [Alias("Node")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var view = Await(ct => Connection.ViewAsync(null, ct));
        var applied = Await(ct => OwnViewsAsync(view, ct));
        var definition = Connection.Definition;
        var nodes = definition.Nodes.Select((n, id) => ToNode(n, id, view.Members.FirstOrDefault(m => m.Name == n.Name), view.Master, applied))
            .OrderBy(n => n.State == "Left" ? 1 : 0).ThenBy(n => n.Rank);
        foreach (var node in NameFilter.Apply(nodes, n => n.Name, Name, this, "node", "NodeNotFound")) WriteObject(node);
    }

    /// <summary>
    /// Each Joined member's own view: the generation it has applied (a heartbeat's figure lags a change by up to a
    /// heartbeat) and the replays its interconnect refused. A member that does not answer keeps the generation its
    /// last heartbeat carried.
    /// </summary>
    private async Task<Dictionary<string, ClusterView>> OwnViewsAsync(ClusterView view, CancellationToken ct)
    {
        var asked = view.Members.Where(m => m.State == MemberState.Joined && Connection.Endpoints.ContainsKey(m.Name)).Select(async m =>
        {
            try { return (m.Name, View: await Connection.Endpoint(m.Name).GetMembershipAsync(ct)); }
            catch (Engine.Initiation.EndpointException) { return (m.Name, View: (ClusterView?)null); }
        });
        return (await Task.WhenAll(asked)).Where(a => a.View is not null).ToDictionary(a => a.Name, a => a.View!);
    }

    private static VmNode ToNode(NodeDefinition definition, int id, MemberInfo? member, string master, Dictionary<string, ClusterView> own) => new()
    {
        Name = definition.Name,
        NodeId = id,
        Role = definition.Name == master ? "Master" : "Slave",
        State = (member?.State ?? MemberState.Left).ToString(),
        Rank = member?.Rank ?? -1,
        AgentRunning = member?.State == MemberState.Joined,
        AgentProcessId = member?.ProcessId is > 0 ? member.ProcessId : null,
        Generation = own.TryGetValue(definition.Name, out var mine) ? mine.Generation : member?.Generation ?? 0,
        ReplayRefused = own.GetValueOrDefault(definition.Name)?.ReplayRefused,
        LastAbortReason = member?.LastAbortReason,
        Endpoint = definition.Endpoint.ToString(),
        Address = definition.Interconnect,
    };
}
