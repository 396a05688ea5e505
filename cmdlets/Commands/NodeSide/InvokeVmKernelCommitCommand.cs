using System.Management.Automation;
using System.Text;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Cmdlets.Commands.NodeSide;

/// <summary>
/// Node-side, on the master: the kernel commit job. The agent prepares every member's kernel, decides,
/// notifies the successor first and then the rest; this returns when the outcome is known.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "VmKernelCommit")]
[OutputType(typeof(VmTransaction), typeof(string))]
public sealed class InvokeVmKernelCommitCommand : NodeSideCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string TransactionId { get; set; } = "";

    /// <summary>Return the agent's answer as JSON, as the initiator's fan-out reads it.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    protected override void ProcessRecord()
    {
        var response = Run(ct => LocalAgent.RequestAsync(new CommitRequest { TransactionId = TransactionId }, ct));
        if (Raw) { WriteObject(Encoding.UTF8.GetString(WireJson.Serialize(response))); return; }
        if (response.Record is { } record) WriteObject(ObjectMapper.ToObject(record, LocalAgent.Node));
        if (!response.Ok)
            WriteError(new ErrorRecord(new InvalidOperationException(response.Error), response.ErrorId ?? "TransactionAborted",
                ErrorCategory.OperationStopped, TransactionId));
    }
}
