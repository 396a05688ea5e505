using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Destroys a disk group on every node; refused while it holds volumes unless -Force.</summary>
[Cmdlet(VerbsCommon.Remove, "VmDiskGroup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(VmTransaction), typeof(VmNodeCheckResult))]
public sealed class RemoveVmDiskGroupCommand : VmChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    [Alias("DiskGroup")]
    public string Name { get; set; } = "";

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The owner of a private disk group (default: the local node, or the group is shared).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Owner")]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var target = ResolveGroup(Name, Node);
        if (!CheckOnly && !ShouldProcess($"{(target.Shared ? "shared" : $"private (node {target.Owner})")} disk group '{Name}' on every node", "Remove")) return;
        var proposal = Propose(target.Shared ? null : target.Owner, new RemoveDiskGroup { DiskGroup = Name, Force = Force });
        if (RunChange(proposal, Name) is { Record: { } record } && PassThru) WriteObject(ObjectMapper.ToObject(record, record.Transaction.Coordinator));
    }
}
