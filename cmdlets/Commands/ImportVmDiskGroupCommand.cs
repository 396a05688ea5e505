using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Import;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Brings a disk group into the cluster from its disks alone: the configuration copy with the highest valid generation
/// among the disks whose identity names the group. Damaged and older copies are named in warnings.
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

    protected override void ProcessRecord()
    {
        ValidateName(Name, "disk group");
        var reader = Node ?? Connection.LocalNode;
        var selection = ImportSelection.Choose(Name, ReadCopies(reader));
        foreach (var damaged in selection.Damaged) WriteWarning($"{damaged} on node {reader}: {damaged.Problem}");
        foreach (var older in selection.Older) WriteWarning($"{older} holds an older copy (generation {older.Generation}, newest {selection.Generation}); the import rewrites it.");
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
