using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>The configuration backups each node keeps of its disk groups, newest generation first.</summary>
[Cmdlet(VerbsCommon.Get, "VmDiskGroupBackup")]
[OutputType(typeof(VmDiskGroupBackup))]
public sealed class GetVmDiskGroupBackupCommand : VmCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("DiskGroup")]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    public string? Name { get; set; }

    /// <summary>Only the backup of this generation.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? Generation { get; set; }

    /// <summary>Only these nodes' backups (default: every node's).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string[]? Node { get; set; }

    protected override void ProcessRecord()
    {
        var nodes = Node ?? [.. Connection.Endpoints.Keys];
        var read = Await(ct => Task.WhenAll(nodes.Select(n => TryReadAsync(n, ct))));
        foreach (var (node, backups, problem) in read)
        {
            if (problem is not null)
            {
                WriteError(new ErrorRecord(new InvalidOperationException(problem), ErrorIds.EndpointUnreachable, ErrorCategory.ConnectionError, node)
                    { ErrorDetails = new ErrorDetails($"node {node}: {problem}") });
                continue;
            }
            foreach (var backup in backups) WriteObject(BackupReader.ToObject(backup));
        }
    }

    private async Task<(string Node, List<Engine.Storage.ConfigBackup> Backups, string? Problem)> TryReadAsync(string node, CancellationToken ct)
    {
        try { return (node, await BackupReader.ReadAsync(Connection, node, Name, Generation, ct), null); }
        catch (Engine.Initiation.EndpointException e) { return (node, [], e.Message); }
        catch (InvalidOperationException e) { return (node, [], e.Message); }
    }
}
