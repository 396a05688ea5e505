using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Creates a volume in a disk group: one plex (concatenated) or -Mirror n plexes, each on disks no other plex uses.
/// Several names make one transaction that creates them all, or none.
/// </summary>
[Cmdlet(VerbsCommon.New, "VmVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmVolume), typeof(VmNodeCheckResult))]
public sealed class NewVmVolumeCommand : VmDiskGroupChangeCmdlet
{
    /// <summary>The volume's name (or names: one transaction for all). Not bound from the pipeline, so that a piped disk group's Name names the group only.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [Alias("Volume")]
    public string[] Name { get; set; } = [];

    /// <summary>Bytes; PowerShell's 1GB literals. A whole number of 512-byte sectors.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    public long Size { get; set; }

    /// <summary>How many plexes (mirrors): 1 (default) for a concatenated volume.</summary>
    [Parameter]
    public int Mirror { get; set; } = 1;

    /// <summary>Drl (a dirty region log: after a node dies with writes in flight only the regions it was writing are copied between plexes) or None; default Drl for 2 or more mirrors, None for one.</summary>
    [Parameter]
    [ValidateSet("Drl", "None", IgnoreCase = true)]
    public string? Log { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var name in Name) ValidateName(name, "volume");
        if (Name.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw Terminate(new ArgumentException($"The volume name '{twice.Key}' is given more than once."), Engine.Checks.ErrorIds.VolumeNameExists, ErrorCategory.InvalidArgument, twice.Key);
        var target = ResolveGroup();
        var layout = Mirror == 1 ? "" : $" with {Mirror} mirrors";
        var what = Name.Length == 1 ? $"volume '{Name[0]}'" : $"{Name.Length} volumes ({Name[0]} .. {Name[^1]})";
        if (!CheckOnly && !ShouldProcess($"{what} of {Sizes.Human(Size)}{layout} in {target}", "Create")) return;
        var operations = Name.Select(name => (Operation)new CreateVolume { DiskGroup = target.Name, Volume = name, SizeBytes = Size, Mirrors = Mirror, Log = Engine.Model.VolumeLogs.Parse(Log) ?? Engine.Model.VolumeLogs.Default(Mirror) }).ToArray();
        if (RunChange(Propose(target.Shared ? null : target.Owner, operations), Name.Length == 1 ? Name[0] : target.Name) is not { } outcome) return;
        if (After(target, outcome) is not { } group) return;
        foreach (var name in Name)
            if (group.FindVolume(name) is { } volume) WriteObject(VolumeMapper.ToObject(group, volume, ResultNode(target, outcome), StateDirectoryOf(ResultNode(target, outcome))));
    }
}
