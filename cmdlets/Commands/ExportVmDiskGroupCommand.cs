using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Deports a disk group: every node drops it from its configuration, and its disks keep its last configuration copy for Import-VmDiskGroup.</summary>
[Cmdlet(VerbsData.Export, "VmDiskGroup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmTransaction), typeof(VmNodeCheckResult))]
public sealed class ExportVmDiskGroupCommand : VmChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("DiskGroup")]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    public string Name { get; set; } = "";

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
        var disks = target.Group is null ? "" : $" to its disks {string.Join(", ", target.Group.Disks.Select(d => d.Name))}";
        if (!CheckOnly && !ShouldProcess($"{(target.Shared ? "shared" : $"private (node {target.Owner})")} disk group '{Name}'{disks}", "Deport")) return;
        var proposal = Propose(target.Shared ? null : target.Owner, new DeportDiskGroup { DiskGroup = Name });
        if (RunChange(proposal, Name) is { Record: { } record } && PassThru) WriteObject(ObjectMapper.ToObject(record, record.Transaction.Coordinator));
    }
}
