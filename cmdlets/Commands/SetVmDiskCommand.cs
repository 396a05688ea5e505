using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Changes a disk of a disk group, on every node in one transaction: -Spare $true makes it a hot spare, kept free of new
/// volumes and mirrors so that a plex detached after a disk failure is relocated onto it first; -Spare $false makes it an
/// ordinary disk again. A disk that holds subdisks cannot become a spare.
/// </summary>
[Cmdlet(VerbsCommon.Set, "VmDisk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmDiskGroup), typeof(VmNodeCheckResult))]
public sealed class SetVmDiskCommand : VmDiskGroupChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(GroupDiskNameCompleter))]
    [Alias("Disk")]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true)]
    public bool Spare { get; set; }

    /// <summary>Return the disk group as the change leaves it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        ValidateName(Name, "disk");
        var target = ResolveGroup();
        if (!CheckOnly && !ShouldProcess($"disk '{Name}' of {target}", Spare ? "Make hot spare" : "Make ordinary disk")) return;
        if (Change(target, new SetDisk { DiskGroup = target.Name, Disk = Name, Spare = Spare }, Name) is not { } outcome || !PassThru) return;
        if (After(target, outcome) is { } group) WriteObject(ObjectMapper.ToObject(group, ResultNode(target, outcome)));
    }
}
