using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Creates a volume in a disk group: one plex (concatenated) or -Mirror n plexes, each on disks no other plex uses.</summary>
[Cmdlet(VerbsCommon.New, "VmVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmVolume), typeof(VmNodeCheckResult))]
public sealed class NewVmVolumeCommand : VmDiskGroupChangeCmdlet
{
    /// <summary>The volume's name. Not bound from the pipeline, so that a piped disk group's Name names the group only.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [Alias("Volume")]
    public string Name { get; set; } = "";

    /// <summary>Bytes; PowerShell's 1GB literals. A whole number of 512-byte sectors.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    public long Size { get; set; }

    /// <summary>How many plexes (mirrors): 1 (default) for a concatenated volume.</summary>
    [Parameter]
    public int Mirror { get; set; } = 1;

    protected override void ProcessRecord()
    {
        ValidateName(Name, "volume");
        var target = ResolveGroup();
        var layout = Mirror == 1 ? "" : $" with {Mirror} mirrors";
        if (!CheckOnly && !ShouldProcess($"volume '{Name}' of {Sizes.Human(Size)}{layout} in {target}", "Create")) return;
        var operation = new CreateVolume { DiskGroup = target.Name, Volume = Name, SizeBytes = Size, Mirrors = Mirror };
        if (Change(target, operation, Name) is not { } outcome) return;
        if (After(target, outcome) is { } group && group.FindVolume(Name) is { } volume)
            WriteObject(VolumeMapper.ToObject(group, volume, ResultNode(target, outcome)));
    }
}
