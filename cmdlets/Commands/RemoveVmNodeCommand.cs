using System.Management.Automation;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>The node leaves the cluster cleanly: it is Left at once, and changes proceed among the rest.</summary>
[Cmdlet(VerbsCommon.Remove, "VmNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveVmNodeCommand : VmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string Name { get; set; } = "";

    protected override void ProcessRecord()
    {
        if (NameRules.Problem(Name, "node") is { } problem)
            throw Terminate(new ArgumentException(problem), ErrorIds.InvalidName, ErrorCategory.InvalidArgument, Name);
        if (!ShouldProcess($"node {Name} of cluster {TargetCluster.Name}", "Leave the cluster")) return;
        var response = Await(ct => Connection.Endpoint(Name).RequestAsync(new LeaveRequest(), ct));
        if (!response.Ok)
            WriteError(new ErrorRecord(new InvalidOperationException(response.Error), response.ErrorId ?? ErrorIds.TransactionAborted,
                ErrorCategory.InvalidOperation, Name) { ErrorDetails = new ErrorDetails($"node {Name}: {response.Error}") });
    }
}
