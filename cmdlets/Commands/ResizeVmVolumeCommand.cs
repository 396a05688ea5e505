using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Grows or shrinks every plex of a volume to a new size; shrinking discards the data past the new end.</summary>
[Cmdlet("Resize", "VmVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmVolume), typeof(VmNodeCheckResult))]
public sealed class ResizeVmVolumeCommand : VmDiskGroupChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    [Alias("Volume")]
    public string Name { get; set; } = "";

    /// <summary>The new size in bytes; PowerShell's 1GB literals. A whole number of 512-byte sectors.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    public long Size { get; set; }

    protected override void ProcessRecord()
    {
        ValidateName(Name, "volume");
        var target = ResolveGroup();
        var volume = target.Group?.FindVolume(Name);
        string action, what;
        if (volume is null) { action = "Resize"; what = $"volume '{Name}' of {target} to {Sizes.Human(Size)}"; }
        else if (Size < volume.SizeBytes)
        {
            action = "Shrink";
            what = $"volume '{volume.Name}' of {target} from {Sizes.Human(volume.SizeBytes)} to {Sizes.Human(Size)}, discarding the data past {Sizes.Human(Size)}";
        }
        else { action = "Grow"; what = $"volume '{volume.Name}' of {target} from {Sizes.Human(volume.SizeBytes)} to {Sizes.Human(Size)}"; }
        if (!CheckOnly && !ShouldProcess(what, action)) return;
        if (Change(target, new ResizeVolume { DiskGroup = target.Name, Volume = Name, SizeBytes = Size }, Name) is not { } outcome) return;
        if (After(target, outcome) is { } group && group.FindVolume(Name) is { } resized)
            WriteObject(VolumeMapper.ToObject(group, resized, ResultNode(target, outcome), StateDirectoryOf(ResultNode(target, outcome))));
    }
}
