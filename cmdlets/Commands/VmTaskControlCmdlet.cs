using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Base of Suspend-VmTask, Resume-VmTask, Stop-VmTask and Set-VmTask: the task by -Id (bound from Get-VmTask's output),
/// asked of the node that runs it (-Node, bound too; looked up with Get-VmTask's fan-out when omitted). The node writes
/// the change to the task's checkpoint before it answers.
/// </summary>
public abstract class VmTaskControlCmdlet : VmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string[] Id { get; set; } = [];

    /// <summary>The node running the task; found by asking every node when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    /// <summary>Writes the task as it then stands.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected abstract string Verb { get; }

    protected abstract TaskControlRequest Request(string id);

    /// <summary>Set-VmTask always writes the task; the others only with -PassThru.</summary>
    protected virtual bool Writes => PassThru;

    protected override void ProcessRecord()
    {
        foreach (var id in Id)
        {
            if (!ShouldProcess($"task '{id}'", Verb)) continue;
            if (NodeOf(id) is not { } node) continue;
            ControlResponse response;
            try { response = Await(ct => Connection.Endpoint(node).RequestAsync(Request(id), ct)); }
            catch (Engine.Initiation.EndpointException e) { WriteError(NodeError(e.Node, e.ErrorId, e.Message, id, e)); continue; }
            if (!response.Ok) { WriteError(NodeError(node, response.ErrorId ?? ErrorIds.TaskNotFound, response.Error ?? "refused", id)); continue; }
            if (Writes && response.Kernel?.Resyncs.FirstOrDefault() is { } task) WriteObject(ResyncTasks.ToObject(task));
        }
    }

    private string? NodeOf(string id)
    {
        if (!string.IsNullOrEmpty(Node)) return Node;
        var tasks = Await(ct => ResyncTasks.ReadAsync(Connection, Connection.Endpoints.Keys, ct));
        if (tasks.FirstOrDefault(t => t.Id == id && t.State is not ("Completed" or "Cancelled" or "Failed" or "Waiting")) is { } found) return found.Node;
        var text = $"No running task '{id}' on any reachable node (Get-VmTask lists them).";
        WriteError(new ErrorRecord(new ItemNotFoundException(text), ErrorIds.TaskNotFound, ErrorCategory.ObjectNotFound, id) { ErrorDetails = new ErrorDetails(text) });
        return null;
    }
}

/// <summary>Holds a copy where it is; Resume-VmTask goes on from there. The suspension outlives an agent restart.</summary>
[Cmdlet(VerbsLifecycle.Suspend, "VmTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(VmTask))]
public sealed class SuspendVmTaskCommand : VmTaskControlCmdlet
{
    protected override string Verb => "Suspend";
    protected override TaskControlRequest Request(string id) => new() { TaskId = id, Action = TaskAction.Suspend };
}

/// <summary>Lets a suspended copy go on, or starts a stopped one again from the beginning.</summary>
[Cmdlet(VerbsLifecycle.Resume, "VmTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(VmTask))]
public sealed class ResumeVmTaskCommand : VmTaskControlCmdlet
{
    protected override string Verb => "Resume";
    protected override TaskControlRequest Request(string id) => new() { TaskId = id, Action = TaskAction.Resume };
}

/// <summary>Ends a copy and drops its progress: the plex stays Stale (written, never read) until Resume-VmTask starts the copy again.</summary>
[Cmdlet(VerbsLifecycle.Stop, "VmTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmTask))]
public sealed class StopVmTaskCommand : VmTaskControlCmdlet
{
    protected override string Verb => "Stop";
    protected override TaskControlRequest Request(string id) => new() { TaskId = id, Action = TaskAction.Stop };
}

/// <summary>Throttles a copy to -MaxRate MB (1 MB = 1,048,576 bytes) per second; 0 lifts the limit.</summary>
[Cmdlet(VerbsCommon.Set, "VmTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(VmTask))]
public sealed class SetVmTaskCommand : VmTaskControlCmdlet
{
    [Parameter(Mandatory = true)]
    [ValidateRange(0, 1_000_000)]
    public double MaxRate { get; set; }

    protected override string Verb => MaxRate == 0 ? "Lift the rate limit" : $"Limit to {MaxRate} MB/s";
    protected override bool Writes => true;
    protected override TaskControlRequest Request(string id) =>
        new() { TaskId = id, Action = TaskAction.SetRate, MaxRateBytes = (long)Math.Round(MaxRate * 1024 * 1024) };
}
