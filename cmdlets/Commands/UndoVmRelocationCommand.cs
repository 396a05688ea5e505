using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Model;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Moves a plex's relocated subdisks back to the disk they came from once that disk is replaced or repaired, and marks
/// it Healthy again. The plex is Stale while it is resynchronised; the command follows the copy with a progress bar and
/// returns the plex once Active (-NoWait: at once). Every node must reach the disk (the checks say which does not).
/// </summary>
[Cmdlet(VerbsCommon.Undo, "VmRelocation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmPlex), typeof(VmNodeCheckResult))]
public sealed class UndoVmRelocationCommand : VmDiskGroupChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public string Volume { get; set; } = "";

    /// <summary>The plex; default every plex of the volume with relocated subdisks.</summary>
    [Parameter(Position = 2, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PlexNameCompleter))]
    [Alias("Name")]
    public string? Plex { get; set; }

    [Parameter]
    public SwitchParameter NoWait { get; set; }

    protected override void ProcessRecord()
    {
        ValidateName(Volume, "volume");
        var target = ResolveGroup();
        if (target.Group?.FindVolume(Volume) is not { } volume)
            throw Terminate(new ItemNotFoundException($"Disk group '{target.Name}' has no volume named '{Volume}'."), Engine.Checks.ErrorIds.VolumeNotFound, ErrorCategory.ObjectNotFound, Volume);
        var plexes = Plex is null ? volume.Plexes.Where(p => p.Subdisks.Any(s => s.RelocatedFrom is not null)).ToList()
            : volume.FindPlex(Plex) is { } named ? [named] : [];
        if (plexes.Count == 0)
            throw Terminate(new ItemNotFoundException(Plex is null ? $"No plex of volume '{Volume}' has relocated subdisks." : $"Volume '{Volume}' has no plex named '{Plex}'."),
                Engine.Checks.ErrorIds.PlexNotFound, ErrorCategory.ObjectNotFound, Plex ?? Volume);
        foreach (var plex in plexes) MoveBack(target, volume, plex);
    }

    private void MoveBack(GroupTarget target, Volume volume, Plex plex)
    {
        var (move, errorId, problem) = Relocation.PlanUndo(target.Group!, volume, plex);
        if (move is null)
        {
            WriteError(new ErrorRecord(new InvalidOperationException(problem), errorId, ErrorCategory.InvalidOperation, plex.Name));
            return;
        }
        if (!CheckOnly && !ShouldProcess($"plex '{plex.Name}' of volume '{Volume}' in {target}: back to {string.Join(", ", move.Healed)}", "Undo relocation")) return;
        if (Change(target, move, plex.Name) is not { } outcome || After(target, outcome) is not { } group || group.FindVolume(Volume)?.FindPlex(plex.Name) is not { } moved) return;
        if (NoWait) { WriteObject(VolumeMapper.ToObject(group, group.FindVolume(Volume)!, moved, ResultNode(target, outcome))); return; }
        if (new ResyncFollower(this, Connection, target.Name, Volume, plex.Name, group.Generation).Wait(Node) is { } active) WriteObject(active);
    }
}
