using VolumeManager.Engine.Model;
using VolumeManager.Engine.Resync;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// What an administrator asked of one running copy (Suspend-VmTask, Resume-VmTask, Stop-VmTask, Set-VmTask -MaxRate),
/// and the waits that obey it: the copy calls <see cref="ReadyAsync"/> before each chunk and <see cref="ThrottleAsync"/>
/// after it. A change wakes a copy that waits.
/// </summary>
public sealed class TaskControl(bool suspended, bool stopped, long maxRateBytes)
{
    private readonly object sync = new();
    private TaskCompletionSource changed = New();
    private long windowStart = Environment.TickCount64;
    private long windowBytes;

    public bool Suspended { get { lock (sync) return suspended; } }
    public bool Stopped { get { lock (sync) return stopped; } }
    public long MaxRateBytes { get { lock (sync) return maxRateBytes; } }

    public void Suspend() => Change(() => suspended = true);
    public void Resume() => Change(() => { suspended = false; stopped = false; });
    public void Stop() => Change(() => stopped = true);
    public void SetRate(long bytesPerSecond) => Change(() => maxRateBytes = Math.Max(0, bytesPerSecond));

    /// <summary>Waits while the copy is suspended (calling <paramref name="holding"/> once when it starts to wait); false once it is stopped.</summary>
    public async Task<bool> ReadyAsync(Action holding, CancellationToken ct)
    {
        var told = false;
        while (true)
        {
            Task wait;
            lock (sync)
            {
                if (stopped) return false;
                if (!suspended) return true;
                wait = changed.Task;
            }
            if (!told) { holding(); told = true; }
            await wait.WaitAsync(ct);
        }
    }

    /// <summary>Counts <paramref name="bytes"/> copied and waits as long as the rate limit asks (<see cref="ResyncRules.Throttle"/>); a change ends the wait early.</summary>
    public async Task ThrottleAsync(long bytes, CancellationToken ct)
    {
        TimeSpan delay;
        Task wait;
        lock (sync)
        {
            windowBytes += bytes;
            delay = ResyncRules.Throttle(windowBytes, TimeSpan.FromMilliseconds(Environment.TickCount64 - windowStart), maxRateBytes);
            wait = changed.Task;
        }
        if (delay <= TimeSpan.Zero) return;
        await Task.WhenAny(wait, Task.Delay(delay, ct));
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>A change opens a new rate window (the old rate's debt or credit does not carry over) and wakes the copy.</summary>
    private void Change(Action change)
    {
        TaskCompletionSource wake;
        lock (sync)
        {
            change();
            windowStart = Environment.TickCount64;
            windowBytes = 0;
            wake = changed;
            changed = New();
        }
        wake.TrySetResult();
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The state a task shows while it runs under this control.</summary>
    public ResyncState Shown(ResyncState running) => Stopped ? ResyncState.Stopped : Suspended ? ResyncState.Suspended : running;
}
