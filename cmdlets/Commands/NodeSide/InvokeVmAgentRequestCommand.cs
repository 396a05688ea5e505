using System.Management.Automation;
using System.Text;

namespace VolumeManager.Cmdlets.Commands.NodeSide;

/// <summary>Node-side: forwards one control request (JSON) to the local agent and returns its JSON answer.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "VmAgentRequest")]
[OutputType(typeof(string))]
public sealed class InvokeVmAgentRequestCommand : NodeSideCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Request { get; set; } = "";

    protected override void ProcessRecord() =>
        WriteObject(Encoding.UTF8.GetString(Run(ct => LocalAgent.RequestRawAsync(Encoding.UTF8.GetBytes(Request), ct))));
}
