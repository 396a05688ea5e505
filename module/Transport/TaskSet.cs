using System.Collections.Concurrent;

namespace VolumeManager.Transport;

/// <summary>The tasks still running, so disposal can wait for them; finished tasks leave by themselves.</summary>
internal sealed class TaskSet
{
    private readonly ConcurrentDictionary<Task, bool> running = new();

    public void Add(Task task)
    {
        running.TryAdd(task, true);
        task.ContinueWith(
            t => running.TryRemove(t, out _),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public Task WhenAll() => Task.WhenAll(running.Keys);
}
