using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>The kernels' background tasks (plex resynchronisations), running and recently finished, from every node.</summary>
[Cmdlet(VerbsCommon.Get, "VmTask")]
[OutputType(typeof(VmTask))]
public sealed class GetVmTaskCommand : VmCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    public string? DiskGroup { get; set; }

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public string? Volume { get; set; }

    /// <summary>Only tasks that are not finished: running, waiting, suspended or stopped.</summary>
    [Parameter]
    public SwitchParameter Running { get; set; }

    protected override void ProcessRecord()
    {
        var tasks = Await(ct => ResyncTasks.ReadAsync(Connection, Connection.Endpoints.Keys, ct));
        foreach (var task in tasks.Where(Wanted)) WriteObject(task);
    }

    private bool Wanted(VmTask task) =>
        (DiskGroup is null || string.Equals(task.DiskGroup, DiskGroup, StringComparison.Ordinal))
        && (Volume is null || string.Equals(task.Volume, Volume, StringComparison.Ordinal))
        && (!Running || task.State is "Running" or "Waiting" or "Suspended" or "Stopped");
}
