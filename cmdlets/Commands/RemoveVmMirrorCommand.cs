using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Removes one plex of a volume and its subdisks; refused for a volume's last Active plex.</summary>
[Cmdlet(VerbsCommon.Remove, "VmMirror", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(VmVolume), typeof(VmNodeCheckResult))]
public sealed class RemoveVmMirrorCommand : VmDiskGroupChangeCmdlet
{
    /// <summary>The volume; bound from a piped VmPlex's Volume.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public string Volume { get; set; } = "";

    /// <summary>The plex; bound from a piped VmPlex's Name.</summary>
    [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PlexNameCompleter))]
    [Alias("Name")]
    public string Plex { get; set; } = "";

    /// <summary>Return the volume as the change leaves it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        ValidateName(Volume, "volume");
        var target = ResolveGroup();
        var plex = target.Group?.FindVolume(Volume)?.FindPlex(Plex);
        var what = plex is null ? $"plex '{Plex}'" : $"plex '{plex.Name}' ({plex.State}, on {string.Join(", ", plex.DiskNames)})";
        if (!CheckOnly && !ShouldProcess($"{what} of volume '{Volume}' in {target}", "Remove mirror")) return;
        if (Change(target, new RemoveMirror { DiskGroup = target.Name, Volume = Volume, Plex = Plex }, Plex) is not { } outcome || !PassThru) return;
        if (After(target, outcome) is { } group && group.FindVolume(Volume) is { } volume)
            WriteObject(VolumeMapper.ToObject(group, volume, ResultNode(target, outcome), StateDirectoryOf(ResultNode(target, outcome))));
    }
}
