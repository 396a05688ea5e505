using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// The node leaves the cluster cleanly: it is Left at once, and changes proceed among the rest. With -Permanent it is
/// taken out for good: one transaction through the usual protocol removes it from every member's cluster definition
/// and membership, so the quorum stops counting it at that commit; on a local cluster its agent and endpoint are stopped.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "VmNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void), typeof(VmNodeCheckResult))]
public sealed class RemoveVmNodeCommand : VmChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Take the node out of the cluster definition and the membership for good (a transaction), not only out of the current membership.</summary>
    [Parameter]
    public SwitchParameter Permanent { get; set; }

    protected override void ProcessRecord()
    {
        ValidateName(Name, "node");
        if (Permanent) { RemoveForGood(); return; }
        if (!ShouldProcess($"node {Name} of cluster {TargetCluster.Name}", "Leave the cluster")) return;
        var response = Await(ct => Connection.Endpoint(Name).RequestAsync(new LeaveRequest(), ct));
        if (!response.Ok)
            WriteError(new ErrorRecord(new InvalidOperationException(response.Error), response.ErrorId ?? ErrorIds.TransactionAborted,
                ErrorCategory.InvalidOperation, Name) { ErrorDetails = new ErrorDetails($"node {Name}: {response.Error}") });
    }

    private void RemoveForGood()
    {
        if (Connection.Definition.FindNode(Name) is null)
            throw Terminate(new ItemNotFoundException($"Node '{Name}' is not defined in cluster {TargetCluster.Name}."), ErrorIds.NodeNotFound, ErrorCategory.ObjectNotFound, Name);
        if (!CheckOnly && !ShouldProcess($"node {Name} of cluster {TargetCluster.Name}", "Remove from the cluster for good (definition and membership)")) return;
        if (RunChange(Propose(null, new RemoveNode { Node = Name }), Name) is null) return;
        if (Connection.Local is { } local) Await(ct => local.StopNodeAsync(Name, ct));
        Connection.Remove(Name);
        ClusterFacts.Refresh(TargetCluster, Await(ct => Connection.ViewAsync(null, ct)));
    }
}
