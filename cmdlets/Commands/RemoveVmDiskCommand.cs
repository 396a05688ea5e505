using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Takes disks that hold no subdisk out of a disk group, in one transaction; a group keeps at least one disk.</summary>
[Cmdlet(VerbsCommon.Remove, "VmDisk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(VmDiskGroup), typeof(VmNodeCheckResult))]
public sealed class RemoveVmDiskCommand : VmDiskGroupChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(GroupDiskNameCompleter))]
    [Alias("Name")]
    public string[] Disk { get; set; } = [];

    /// <summary>Return the disk group as the change leaves it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var disk in Disk) ValidateName(disk, "disk");
        var target = ResolveGroup();
        var disks = Disk.Distinct(StringComparer.Ordinal).ToList();
        if (!CheckOnly && !ShouldProcess($"{target}: remove {AddVmDiskCommand.Plural(disks.Count)} {string.Join(", ", disks)} (their configuration copies are cleared)", "Remove disk")) return;
        var operation = new RemoveDisk { DiskGroup = target.Name, Disks = disks };
        if (Change(target, operation, Disk.Length == 1 ? Disk[0] : Disk) is not { } outcome || !PassThru) return;
        if (After(target, outcome) is { } group) WriteObject(ObjectMapper.ToObject(group, ResultNode(target, outcome)));
    }
}
