using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Joins a node to the cluster. On a local cluster, a defined node whose agent is not running has its agent
/// started; it rejoins and takes the master's configuration.
/// </summary>
[Cmdlet(VerbsCommon.Add, "VmNode", SupportsShouldProcess = true)]
[OutputType(typeof(VmNode))]
public sealed class AddVmNodeCommand : VmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string Name { get; set; } = "";

    private async Task<bool> RejoinAsync(Hosting.AgentProcess agent, CancellationToken ct)
    {
        var response = await Connection.Endpoint(Name).RequestAsync(new RejoinRequest(), ct);
        if (!response.Ok && response.ErrorId != ErrorIds.ClusterBusy)
            throw new InvalidOperationException($"node {Name}: {response.Error}");
        await agent.WaitJoinedAsync(TimeSpan.FromSeconds(30), ct);
        return true;
    }

    protected override void ProcessRecord()
    {
        if (NameRules.Problem(Name, "node") is { } problem)
            throw Terminate(new ArgumentException(problem), ErrorIds.InvalidName, ErrorCategory.InvalidArgument, Name);
        var local = Connection.Local ?? throw Terminate(
            new InvalidOperationException($"Cluster {TargetCluster.Name} is not a local cluster; start node {Name}'s vmconfigd on its host and it joins by itself."),
            "NotALocalCluster", ErrorCategory.InvalidOperation, Name);
        if (Connection.Definition.Nodes.All(n => n.Name != Name))
            throw Terminate(new ItemNotFoundException($"Node '{Name}' is not defined in {Connection.Definition.SourcePath}."), "NodeNotFound", ErrorCategory.ObjectNotFound, Name);
        var agent = local.Agent(Name);
        if (!ShouldProcess($"node {Name} of cluster {TargetCluster.Name}", agent.IsRunning ? "Join again" : "Start its agent and join")) return;
        if (agent.IsRunning) Await(ct => RejoinAsync(agent, ct));
        else Await(ct => local.StartAgentAsync(Name, ct));
        var view = Await(ct => Connection.ViewAsync(null, ct));
        ClusterFacts.Refresh(TargetCluster, view);
        var member = view.Members.First(m => m.Name == Name);
        WriteObject(new VmNode
        {
            Name = Name, Role = view.Master == Name ? "Master" : "Slave", State = member.State.ToString(), Rank = member.Rank,
            AgentRunning = true, AgentProcessId = member.ProcessId, Generation = member.Generation,
            Endpoint = Connection.Definition.Nodes.First(n => n.Name == Name).Endpoint.ToString(),
        });
    }
}
