using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Import;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Brings a disk group into the cluster from its disks alone: the newest configuration copy among the disks whose
/// identity names the group, by descent (<see cref="ImportSelection"/>). Damaged and older copies are named in warnings.
/// Copies that diverged (a serial split brain) are refused with <c>SerialSplitBrain</c> unless <c>-FromDisk</c> names
/// the disk whose side to keep.
/// </summary>
[Cmdlet(VerbsData.Import, "VmDiskGroup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmDiskGroup), typeof(VmNodeCheckResult))]
public sealed class ImportVmDiskGroupCommand : VmChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("DiskGroup")]
    public string Name { get; set; } = "";

    /// <summary>Import as shared (every node) or, with -Shared:$false, private to -Node; default: as the copy records it.</summary>
    [Parameter]
    public SwitchParameter Shared { get; set; }

    /// <summary>The node whose disks are read, and the owner of a private import (default: the local node).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    /// <summary>
    /// The disk whose configuration copy to import, whatever the other disks hold: after a serial split brain, the side
    /// to keep. The import rewrites the copies of the other side's disks the chosen configuration lists; a disk it does
    /// not list keeps its copy and stays out of the group.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? FromDisk { get; set; }

    protected override void ProcessRecord()
    {
        ValidateName(Name, "disk group");
        if (FromDisk is not null) ValidateName(FromDisk, "disk");
        var reader = Node ?? Connection.LocalNode;
        var selection = ImportSelection.Choose(Name, ReadCopies(reader), FromDisk);
        foreach (var damaged in selection.Damaged) WriteWarning($"{damaged} on node {reader}: {damaged.Problem}");
        foreach (var older in selection.Older) WriteWarning($"{older} holds an older copy (generation {older.Generation}, newest {selection.Generation}); the import rewrites it.");
        foreach (var overruled in selection.Overruled) WriteWarning(Overruled(overruled, selection));
        if (selection.SplitBrain)
        {
            WriteError(SplitBrain(selection, reader));
            return;
        }
        if (selection.Group is not { } group)
        {
            WriteError(new ErrorRecord(new InvalidOperationException(selection.Problem), ErrorIds.DiskGroupNotFound, ErrorCategory.ObjectNotFound, Name)
                { ErrorDetails = new ErrorDetails($"node {reader}: {selection.Problem}") });
            return;
        }
        WriteVerbose($"importing '{Name}' from the copy at generation {selection.Generation} on {string.Join(", ", selection.Chosen)}");
        var shared = MyInvocation.BoundParameters.ContainsKey(nameof(Shared)) ? Shared.IsPresent : group.Shared;
        var owner = shared ? null : reader;
        var scope = shared ? "shared" : $"private (node {owner})";
        if (!CheckOnly && !ShouldProcess($"{scope} disk group '{Name}': {group.Volumes.Count} volume(s) on {string.Join(", ", group.Disks.Select(d => d.Name))}, copy at generation {selection.Generation}", "Import")) return;
        var op = new ImportDiskGroup { DiskGroup = Name, Group = group, Shared = shared, Owner = owner, CopyGeneration = selection.Generation };
        if (RunChange(Propose(owner, op), Name) is not { } outcome) return;
        var imported = outcome.Transaction!.ApplyTo(new NodeDatabase(), reader).Find(Name)!;
        WriteObject(ObjectMapper.ToObject(imported, shared ? outcome.Transaction.Coordinator : reader));
    }

    private ErrorRecord SplitBrain(ImportSelection selection, string reader)
    {
        var sides = selection.Sides.Select(s => new VmCopySide
        {
            DiskGroup = Name, Generation = s.Serial.Generation, Lineage = s.Serial.Lineage, Disks = s.Disks.Select(d => d.DiskName).ToArray(),
        }).ToArray();
        return new ErrorRecord(new SerialSplitBrainException(selection.Problem!, sides), ErrorIds.SerialSplitBrain, ErrorCategory.InvalidData, Name)
            { ErrorDetails = new ErrorDetails($"node {reader}: {selection.Problem}") };
    }

    private static string Overruled(DiskCopy copy, ImportSelection selection) =>
        selection.Group!.Disks.Any(d => d.Id == copy.DiskId)
            ? $"{copy} holds a copy the chosen one does not descend from (generation {copy.Generation}); the import rewrites it with the chosen side's configuration."
            : $"{copy} holds a copy the chosen one does not descend from (generation {copy.Generation}); the chosen configuration does not list it, so it stays out of the group with its copy.";

    private List<DiskCopy> ReadCopies(string node)
    {
        ControlResponse response;
        try { response = Await(ct => Connection.Endpoint(node).RequestAsync(new DiskCopiesQuery { DiskGroup = Name }, ct)); }
        catch (Engine.Initiation.EndpointException e) { throw Terminate(e, e.ErrorId, Category(e.ErrorId), e.Node); }
        if (!response.Ok)
            throw Terminate(new InvalidOperationException($"node {node}: {response.Error}"), response.ErrorId ?? ErrorIds.AgentNotRunning, Category(response.ErrorId ?? ""), node);
        return response.Copies ?? [];
    }
}
