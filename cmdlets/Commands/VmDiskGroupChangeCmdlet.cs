using System.Management.Automation;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Base of the commands that change what is inside one disk group (volumes, plexes, disks): the -DiskGroup
/// and -Node parameters, and the scope of the change — shared, or private to the group's owner — found
/// from the view as Remove-VmDiskGroup does.
/// </summary>
public abstract class VmDiskGroupChangeCmdlet : VmChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    public string DiskGroup { get; set; } = "";

    /// <summary>The owner of a private disk group (default: the local node, or the group is shared).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Owner")]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    protected GroupTarget ResolveGroup() => ResolveGroup(DiskGroup, Node);

    /// <summary>Runs one operation on the group as one transaction; null when it failed (the errors are written) or under -CheckOnly.</summary>
    protected ChangeOutcome? Change(GroupTarget target, Operation operation, object errorTarget) =>
        RunChange(Propose(target.Shared ? null : target.Owner, operation), errorTarget);

    /// <summary>The node the result objects say they were read from.</summary>
    protected string ResultNode(GroupTarget target, ChangeOutcome outcome) =>
        target.Shared ? Node ?? outcome.Transaction?.Initiator ?? Connection.LocalNode : target.Owner;
}
