using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Changes a disk group's settings on every node in one transaction. -DetachPolicy Global: an I/O error any node's
/// kernel gets from a plex's disk detaches the plex on every node (writes go on on the other plexes). Local: the plex
/// stays attached while another node still reaches the disk, and I/O fails (DiskFailed) only on the node that cannot.
/// </summary>
[Cmdlet(VerbsCommon.Set, "VmDiskGroup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmDiskGroup), typeof(VmNodeCheckResult))]
public sealed class SetVmDiskGroupCommand : VmChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    [Alias("DiskGroup")]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateSet(DetachPolicies.Global, DetachPolicies.Local)]
    public string DetachPolicy { get; set; } = DetachPolicies.Global;

    /// <summary>The owner of a private disk group (default: the local node, or the group is shared).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Owner")]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    /// <summary>Return the disk group as the change leaves it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var target = ResolveGroup(Name, Node);
        if (!CheckOnly && !ShouldProcess($"{target}: detach policy {DetachPolicy}", "Set disk group")) return;
        var proposal = Propose(target.Shared ? null : target.Owner, new SetDiskGroup { DiskGroup = target.Name, DetachPolicy = DetachPolicy });
        if (RunChange(proposal, Name) is not { } outcome || !PassThru || After(target, outcome) is not { } group) return;
        WriteObject(ObjectMapper.ToObject(group, target.Shared ? Node ?? Connection.LocalNode : target.Owner));
    }
}
