using VolumeManager.Engine.Model;
using VolumeManager.Engine.Resync;

namespace VolumeManager.Agent.Kernel;

/// <summary>One task a node's kernel runs or holds: what it reports, how it is controlled, and how its control state is kept on disk.</summary>
public sealed class TaskEntry(ResyncTask task, TaskControl control, Action<TaskEntry> persist)
{
    public ResyncTask Task { get; } = task;
    public TaskControl Control { get; } = control;
    /// <summary>Writes the task's progress and control state durably (its checkpoint).</summary>
    public void Persist() => persist(this);
    /// <summary>Set while a stopped task waits for Resume-VmTask: starts the copy again.</summary>
    public Action? Restart { get; set; }
}

/// <summary>The kernel's tasks: those running (or held: suspended, stopped) by key, and the last finished ones.</summary>
public sealed class TaskRegistry
{
    private const int KeptFinished = 100;
    private readonly Dictionary<string, TaskEntry> running = new(StringComparer.Ordinal);
    private readonly LinkedList<ResyncTask> finished = new();
    private readonly object sync = new();

    public List<ResyncTask> Snapshot()
    {
        lock (sync) return [.. running.Values.Select(e => Shown(e)), .. finished.Select(t => t.Clone())];
    }

    /// <summary>Adds the entry unless a task of that key is held already; false then.</summary>
    public bool TryAdd(string key, TaskEntry entry)
    {
        lock (sync) return running.TryAdd(key, entry);
    }

    public bool Contains(string key)
    {
        lock (sync) return running.ContainsKey(key);
    }

    public TaskEntry? FindById(string id)
    {
        lock (sync) return running.Values.FirstOrDefault(e => e.Task.Id == id);
    }

    public bool IsFinished(string id)
    {
        lock (sync) return finished.Any(t => t.Id == id);
    }

    public void Update(ResyncTask task, Action<ResyncTask> change)
    {
        lock (sync) { change(task); task.Updated = DateTimeOffset.UtcNow; }
    }

    /// <summary>A copy to every other plex: its source and the plexes it writes, as Get-VmTask shows them.</summary>
    public void NoteSides(ResyncTask task, Volume volume, Plex source) =>
        Update(task, t => { t.Source = source.Name; t.Plex = string.Join(",", DirtyRegions.Targets(volume, source).Select(p => p.Name)); });

    public ResyncTask Shown(TaskEntry entry)
    {
        lock (sync)
        {
            var copy = entry.Task.Clone();
            copy.State = entry.Control.Shown(copy.State);
            copy.MaxRateBytes = entry.Control.MaxRateBytes;
            return copy;
        }
    }

    /// <summary>Moves the task to the finished ones; a task settled already (<see cref="ResyncService.Settle"/>) stays as it was settled.</summary>
    public void Finish(string key, ResyncTask task, ResyncState state, string? error)
    {
        lock (sync)
        {
            if (!running.TryGetValue(key, out var entry) || entry.Task != task) return;
            task.State = state;
            task.Error = error;
            task.Updated = DateTimeOffset.UtcNow;
            running.Remove(key);
            finished.AddFirst(task);
            if (finished.Count > KeptFinished) finished.RemoveLast();
        }
    }

    /// <summary>Drops a held task without recording it finished (its plex went away while it was stopped).</summary>
    public void Forget(string key)
    {
        lock (sync) running.Remove(key);
    }

    public IEnumerable<(string Key, TaskEntry Entry)> Held()
    {
        lock (sync) return running.Select(p => (p.Key, p.Value)).ToList();
    }
}
