using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Creates a disk group on the named disks: shared (every node) or private to one node.</summary>
[Cmdlet(VerbsCommon.New, "VmDiskGroup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmDiskGroup), typeof(VmNodeCheckResult))]
public sealed class NewVmDiskGroupCommand : VmChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("DiskGroup")]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(GroupDiskNameCompleter))]
    public string[] Disk { get; set; } = [];

    /// <summary>Every node of the cluster imports the group; without it the group is private to -Node.</summary>
    [Parameter]
    public SwitchParameter Shared { get; set; }

    /// <summary>The node that owns a private disk group (default: the local node).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    /// <summary>What an I/O error on a plex's disk does: Global (default) detaches the plex on every node; Local fails I/O only on the node that cannot reach the disk (see Set-VmDiskGroup).</summary>
    [Parameter]
    [ValidateSet(DetachPolicies.Global, DetachPolicies.Local)]
    public string DetachPolicy { get; set; } = DetachPolicies.Global;

    protected override void ProcessRecord()
    {
        ValidateName(Name, "disk group");
        foreach (var disk in Disk) ValidateName(disk, "disk");
        var connection = Connection;
        var owner = Node ?? connection.LocalNode;
        var scope = Shared ? "shared" : $"private (node {owner})";
        if (!CheckOnly && !ShouldProcess($"{scope} disk group '{Name}' on disks {string.Join(", ", Disk)}", "Create")) return;
        var proposal = Propose(Shared ? null : owner, new CreateDiskGroup
        {
            DiskGroup = Name, Shared = Shared, Owner = Shared ? null : owner, DetachPolicy = DetachPolicy,
            Disks = Disk.Distinct().Select(d => new DiskRef { Name = d }).ToList(),
        });
        if (RunChange(proposal, Name) is not { } outcome) return;
        var group = outcome.Transaction!.ApplyTo(new NodeDatabase(), owner).Find(Name)!;
        WriteObject(ObjectMapper.ToObject(group, Shared ? outcome.Transaction.Coordinator : owner));
    }
}
