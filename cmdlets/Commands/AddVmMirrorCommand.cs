using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Adds a plex to a volume on disks no other plex of it uses. The plex starts Stale: the coordinating agent
/// resynchronises it from an Active plex while I/O continues and then marks it Active. The command follows the
/// resync with a progress bar and returns the plex once Active; -NoWait returns it Stale at once (Get-VmTask follows it).
/// </summary>
[Cmdlet(VerbsCommon.Add, "VmMirror", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmPlex), typeof(VmNodeCheckResult))]
public sealed class AddVmMirrorCommand : VmDiskGroupChangeCmdlet
{
    /// <summary>The volume; bound from a piped VmVolume's Name.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    [Alias("Name")]
    public string Volume { get; set; } = "";

    /// <summary>The disks the new plex may use (default: any disk of the group no plex of the volume uses).</summary>
    [Parameter(Position = 2)]
    [ArgumentCompleter(typeof(GroupDiskNameCompleter))]
    public string[] Disk { get; set; } = [];

    /// <summary>Return as soon as the plex is added (Stale), without following its resynchronisation.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>The volume's log from now on: Drl or None. Default: a volume that becomes a mirror here (it had one plex and no log) gets a dirty region log; otherwise its log stays.</summary>
    [Parameter]
    [ValidateSet("Drl", "None", IgnoreCase = true)]
    public string? Log { get; set; }

    protected override void ProcessRecord()
    {
        ValidateName(Volume, "volume");
        foreach (var disk in Disk) ValidateName(disk, "disk");
        var target = ResolveGroup();
        var where = Disk.Length > 0 ? $"disks {string.Join(", ", Disk)}" : "disks no other plex of it uses";
        if (!CheckOnly && !ShouldProcess($"volume '{Volume}' of {target}: a new plex, Stale until resynchronised, on {where}", "Add mirror")) return;
        var operation = new AddMirror { DiskGroup = target.Name, Volume = Volume, Disks = [.. Disk.Distinct(StringComparer.Ordinal)], Log = LogAfter(target.Group?.FindVolume(Volume)) };
        if (Change(target, operation, Volume) is not { } outcome) return;
        var added = outcome.Transaction!.Operations.OfType<AddMirror>().FirstOrDefault()?.Plex;
        if (added is null || After(target, outcome) is not { } group || group.FindVolume(Volume) is not { } volume || volume.FindPlex(added.Name) is not { } plex) return;
        if (NoWait) { WriteObject(VolumeMapper.ToObject(group, volume, plex, ResultNode(target, outcome))); return; }
        if (new ResyncFollower(this, Connection, target.Name, Volume, added.Name, group.Generation).Wait(Node) is { } active) WriteObject(active);
    }

    private string? LogAfter(Engine.Model.Volume? volume) =>
        Engine.Model.VolumeLogs.Parse(Log) ?? (volume is { Log: Engine.Model.VolumeLogs.None } && volume.Plexes.Count == 1 ? Engine.Model.VolumeLogs.Drl : null);
}
