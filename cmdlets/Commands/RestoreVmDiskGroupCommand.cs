using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Writes a backed-up configuration of a disk group back through a transaction: every node checks that the backup's
/// disks are the group's disks and that it opens them, then the group's disks and volumes become the backup's, at a
/// new generation, and the master rewrites the configuration copies on the disks.
/// </summary>
[Cmdlet(VerbsData.Restore, "VmDiskGroup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(VmDiskGroup), typeof(VmNodeCheckResult))]
public sealed class RestoreVmDiskGroupCommand : VmChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("DiskGroup")]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The generation of the backup to write back (Get-VmDiskGroupBackup lists them).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, long.MaxValue)]
    public long Generation { get; set; }

    /// <summary>The owner of a private disk group (default: the local node, or the group is shared).</summary>
    [Parameter]
    [Alias("Owner")]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    /// <summary>The node whose backup is read (default: the group's owner for a private group, the local node for a shared one).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? BackupNode { get; set; }

    protected override void ProcessRecord()
    {
        var target = ResolveGroup(Name, Node);
        var from = BackupNode ?? (target.Shared ? Connection.LocalNode : target.Owner);
        if (ReadBackup(from) is not { } backup) return;
        if (!CheckOnly && !ShouldProcess($"{target}: its configuration of generation {Generation} ({backup.Volumes.Count} volume(s) on {string.Join(", ", backup.Disks.Select(d => d.Name))}), kept by node {from}", "Restore")) return;
        var op = new RestoreDiskGroup { DiskGroup = Name, Backup = backup, BackupGeneration = Generation };
        if (RunChange(Propose(target.Shared ? null : target.Owner, op), Name) is not { Transaction: { } tx } outcome) return;
        if (After(target, outcome) is { } group) WriteObject(ObjectMapper.ToObject(group, target.Shared ? tx.Coordinator : target.Owner));
    }

    private Engine.Model.DiskGroup? ReadBackup(string node)
    {
        List<Engine.Storage.ConfigBackup> found;
        try { found = Await(ct => BackupReader.ReadAsync(Connection, node, Name, Generation, ct)); }
        catch (Engine.Initiation.EndpointException e) { throw Terminate(e, e.ErrorId, Category(e.ErrorId), e.Node); }
        if (found.FirstOrDefault()?.Group is { } group) return group;
        var kept = Await(ct => BackupReader.ReadAsync(Connection, node, Name, null, ct)).Select(b => b.Generation).ToList();
        var message = $"node {node} keeps no backup of disk group '{Name}' at generation {Generation}; "
            + (kept.Count == 0 ? "it keeps none of that group." : $"it keeps generations {string.Join(", ", kept)}.");
        WriteError(new ErrorRecord(new ItemNotFoundException(message), ErrorIds.BackupNotFound, ErrorCategory.ObjectNotFound, Name)
            { ErrorDetails = new ErrorDetails(message) });
        return null;
    }
}
