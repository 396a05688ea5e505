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

    /// <summary>Talk to the agent owning this state directory instead of the endpoint's own agent.</summary>
    [Parameter]
    public string? StateDirectory { get; set; }

    protected override void ProcessRecord()
    {
        var request = Encoding.UTF8.GetBytes(Request);
        var reply = StateDirectory is null
            ? Run(ct => LocalAgent.RequestRawAsync(request, ct))
            : Run(ct => LocalAgent.RequestRawAsync(GetUnresolvedProviderPathFromPSPath(StateDirectory), request, ct));
        WriteObject(Encoding.UTF8.GetString(reply));
    }
}
