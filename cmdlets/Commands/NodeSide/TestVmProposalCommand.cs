using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Cmdlets.Commands.NodeSide;

/// <summary>Node-side: runs this node's checks on a proposed transaction and returns the node's verdict.</summary>
[Cmdlet(VerbsDiagnostic.Test, "VmProposal")]
[OutputType(typeof(VmNodeCheckResult), typeof(string))]
public sealed class TestVmProposalCommand : NodeSideCmdlet
{
    /// <summary>The transaction, as the initiator serialised it.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public string Transaction { get; set; } = "";

    /// <summary>Return the verdict as JSON, as the initiator's fan-out reads it (a string crosses the session cheaper than the object).</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    protected override void ProcessRecord()
    {
        var tx = WireJson.Deserialize<Transaction>(Transaction);
        var response = Run(ct => LocalAgent.RequestAsync(new CheckRequest { Transaction = tx }, ct));
        var result = response.Check ?? NodeCheckResult.Failed(LocalAgent.Node, tx.Id, response.ErrorId ?? ErrorIds.AgentNotRunning, response.Error ?? "no answer");
        if (Raw) WriteObject(WireJson.SerializeToString(result));
        else WriteObject(ObjectMapper.ToObject(result));
    }
}
