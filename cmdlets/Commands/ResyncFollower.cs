using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Cmdlets.Remoting;
using VolumeManager.Engine.Model;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Follows one plex's resynchronisation from the pipeline thread: a progress bar from the copying node's task, until the
/// configuration shows the plex Active. The plex was added at generation <paramref name="addedAt"/>: a node whose view of
/// the group is older has not applied that change yet (a successor that completed it after the master went away is still
/// telling the others), so a plex missing there is awaited, not reported removed.
/// </summary>
internal sealed class ResyncFollower(VmCmdlet cmdlet, ClusterConnection connection, string diskGroup, string volume, string plex, long addedAt)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>The plex once Active; null when it failed or went away (an error or warning says which).</summary>
    public VmPlex? Wait(string? node)
    {
        var activity = $"Resynchronising plex '{plex}' of volume '{volume}' in disk group '{diskGroup}'";
        try
        {
            while (true)
            {
                var view = cmdlet.Run(ct => connection.ViewAsync(node, ct));
                var group = view.FindDiskGroup(diskGroup);
                var current = group?.FindVolume(volume)?.FindPlex(plex);
                if (current is null && (group?.Generation ?? 0) >= addedAt) { cmdlet.WriteWarning($"plex '{plex}' of volume '{volume}' was removed before its resynchronisation finished."); return null; }
                if (current is null)
                {
                    cmdlet.WriteProgress(new ProgressRecord(2, activity, $"waiting for node {node ?? connection.LocalNode} to apply the change that added the plex"));
                    cmdlet.Run(ct => Task.Delay(Poll, ct));
                    continue;
                }
                if (current.IsActive) return VolumeMapper.ToObject(group!, group!.FindVolume(volume)!, current, node ?? connection.LocalNode);
                var task = cmdlet.Run(ct => ResyncTasks.ReadAsync(connection, connection.Endpoints.Keys, ct))
                    .FirstOrDefault(t => t.DiskGroup == diskGroup && t.Volume == volume && t.Plex == plex);
                if (task is { State: "Failed" }) { Fail(task); return null; }
                cmdlet.WriteProgress(Progress(activity, task));
                cmdlet.Run(ct => Task.Delay(Poll, ct));
            }
        }
        finally { cmdlet.WriteProgress(new ProgressRecord(2, activity, "done") { RecordType = ProgressRecordType.Completed }); }
    }

    private static ProgressRecord Progress(string activity, VmTask? task) => task is null
        ? new ProgressRecord(2, activity, "waiting for the coordinating node to start the copy")
        : new ProgressRecord(2, activity, $"{SizeText.Format(task.DoneBytes)} of {SizeText.Format(task.TotalBytes)} copied from plex '{task.Source}' by node {task.Node}")
        { PercentComplete = task.PercentComplete };

    private void Fail(VmTask task)
    {
        var text = $"node {task.Node}: the resynchronisation of plex '{plex}' failed: {task.Error}";
        cmdlet.WriteError(new ErrorRecord(new InvalidOperationException(text), "ResyncFailed", ErrorCategory.WriteError, task.Node) { ErrorDetails = new ErrorDetails(text) });
    }
}
