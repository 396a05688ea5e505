using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// Suspend-VmTask, Resume-VmTask, Stop-VmTask and Set-VmTask on the node running the task: the change is written to
/// the task's checkpoint (fsync'd) before it is answered, so it outlives an agent restart or a takeover.
/// </summary>
public sealed class TaskCommands(TaskRegistry tasks, Action<string> log)
{
    public ControlResponse Handle(TaskControlRequest request)
    {
        if (tasks.FindById(request.TaskId) is not { } entry)
            return ControlResponse.Failure(ErrorIds.TaskNotFound, tasks.IsFinished(request.TaskId)
                ? $"task '{request.TaskId}' has already finished."
                : $"no task '{request.TaskId}' runs here; Get-VmTask names the node that runs each task.");
        if (Refusal(entry, request.Action) is { } refused) return ControlResponse.Failure(ErrorIds.InvalidTaskState, refused);
        switch (request.Action)
        {
            case TaskAction.Suspend: entry.Control.Suspend(); break;
            case TaskAction.Stop: entry.Control.Stop(); break;
            case TaskAction.SetRate: entry.Control.SetRate(request.MaxRateBytes); break;
            case TaskAction.Resume:
                entry.Control.Resume();
                entry.Restart?.Invoke();
                break;
        }
        entry.Persist();
        log($"task {request.TaskId}: {request.Action}{(request.Action == TaskAction.SetRate ? $" {request.MaxRateBytes} bytes/s" : "")}");
        return new ControlResponse { Ok = true, Kernel = new KernelReport { Resyncs = [tasks.Shown(entry)] } };
    }

    private static string? Refusal(TaskEntry entry, TaskAction action) => action switch
    {
        TaskAction.Suspend when entry.Control.Stopped => $"task '{entry.Task.Id}' is stopped; Resume-VmTask starts it again.",
        TaskAction.Stop when entry.Task.Kind == TaskKind.Recovery =>
            $"task '{entry.Task.Id}' recovers regions written while a node went away; stopping it would leave the mirrors different there. Suspend it instead.",
        TaskAction.Stop when entry.Task.Kind == TaskKind.Repair =>
            $"task '{entry.Task.Id}' repairs a range a failed write left different between the plexes; stopping it would leave them different there. Suspend it instead.",
        TaskAction.SetRate when entry.Control.Stopped => $"task '{entry.Task.Id}' is stopped; Resume-VmTask starts it again.",
        _ => null,
    };
}
