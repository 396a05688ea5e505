using System.Management.Automation;
using VolumeManager.Cmdlets.Hosting;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Joins a node to the cluster. A node the cluster does not define yet is added online: one transaction through the
/// usual protocol (checks on every member, prepare, commit) puts it in every member's cluster definition and
/// membership, so the quorum counts it from that commit on; then it starts, joins and takes the configuration. On a
/// local cluster the node is made here (folders, endpoint, agent). A defined node whose agent is not running has its
/// agent started; it rejoins and takes the master's configuration.
/// </summary>
[Cmdlet(VerbsCommon.Add, "VmNode", SupportsShouldProcess = true)]
[OutputType(typeof(VmNode), typeof(VmNodeCheckResult))]
public sealed partial class AddVmNodeCommand : VmChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string Name { get; set; } = "";

    protected override void ProcessRecord()
    {
        ValidateName(Name, "node");
        if (Connection.Definition.FindNode(Name) is null && (Endpoint is not null || Connection.Local is null)) { AddOnItsHost(); return; }
        var local = Connection.Local ?? throw Terminate(
            new InvalidOperationException($"Cluster {TargetCluster.Name} is not a local cluster; start node {Name}'s vmconfigd on its host and it joins by itself."),
            "NotALocalCluster", ErrorCategory.InvalidOperation, Name);
        if (Connection.Definition.FindNode(Name) is null) { AddNew(local); return; }
        var agent = local.Agent(Name);
        if (!ShouldProcess($"node {Name} of cluster {TargetCluster.Name}", agent.IsRunning ? "Join again" : "Start its agent and join")) return;
        if (agent.IsRunning) Await(ct => RejoinAsync(agent, ct));
        else Await(ct => local.StartAgentAsync(Name, ct));
        WriteNode();
    }

    /// <summary>
    /// A node new to the cluster: its host is made ready first (folders, namespace, endpoint), so an endpoint that
    /// cannot be reached fails before anything changes; then the AddNode transaction; then its agent starts and joins.
    /// </summary>
    private void AddNew(LocalCluster local)
    {
        if (!CheckOnly && !ShouldProcess($"node {Name} of cluster {TargetCluster.Name}", "Add a new node (its definition, its endpoint and its agent) and join it")) return;
        var node = local.PlanNode(Name);
        var committed = false;
        try
        {
            Await(ct => local.StartNodeHostAsync(node, ct));
            var endpoint = ClusterConnector.Open(node);
            var session = Await(ct => endpoint.OpenAsync(this, ct));
            if (RunChange(Propose(null, new AddNode { Node = node }), Name) is null) { endpoint.Dispose(); return; }
            committed = true;
            Connection.Definition.Nodes.Add(node);
            Connection.Add(Name, session, endpoint);
            Await(ct => local.StartAgentAsync(Name, ct));
        }
        catch (Exception e) when (e is not PipelineStoppedException && !committed)
        {
            throw Terminate(e, e is Endpoints.EndpointOpenException open ? open.ErrorId : ErrorIds.EndpointUnreachable, ErrorCategory.OpenError, Name);
        }
        finally
        {
            if (!committed) Await(ct => local.ForgetNodeAsync(node, ct));
        }
        WriteNode();
    }

    private async Task<bool> RejoinAsync(AgentProcess agent, CancellationToken ct)
    {
        var response = await Connection.Endpoint(Name).RequestAsync(new RejoinRequest(), ct);
        if (!response.Ok && response.ErrorId != ErrorIds.ClusterBusy)
            throw new InvalidOperationException($"node {Name}: {response.Error}");
        await agent.WaitJoinedAsync(TimeSpan.FromSeconds(30), ct);
        return true;
    }

    private void WriteNode()
    {
        var view = Await(ct => Connection.ViewAsync(Name, ct));
        ClusterFacts.Refresh(TargetCluster, view);
        var member = view.Members.First(m => m.Name == Name);
        var definition = Connection.Definition.FindNode(Name)!;
        WriteObject(new VmNode
        {
            Name = Name, Role = view.Master == Name ? "Master" : "Slave", State = member.State.ToString(), Rank = member.Rank,
            NodeId = Connection.Definition.Nodes.IndexOf(definition), AgentRunning = true, AgentProcessId = member.ProcessId,
            Generation = member.Generation, Endpoint = definition.Endpoint.ToString(), Address = definition.Interconnect,
        });
    }
}
