using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Removes a volume, every plex and subdisk of it, on every node; its data is gone.</summary>
[Cmdlet(VerbsCommon.Remove, "VmVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(VmTransaction), typeof(VmNodeCheckResult))]
public sealed class RemoveVmVolumeCommand : VmDiskGroupChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    [Alias("Volume")]
    public string Name { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        ValidateName(Name, "volume");
        var target = ResolveGroup();
        var volume = target.Group?.FindVolume(Name);
        var what = volume is null ? $"volume '{Name}'" : $"volume '{volume.Name}' ({Sizes.Human(volume.SizeBytes)}, {volume.Plexes.Count} plex(es)) and its data";
        if (!CheckOnly && !ShouldProcess($"{what} from {target}", "Remove")) return;
        if (Change(target, new RemoveVolume { DiskGroup = target.Name, Volume = Name }, Name) is { Record: { } record } && PassThru)
            WriteObject(ObjectMapper.ToObject(record, record.Transaction.Coordinator));
    }
}
