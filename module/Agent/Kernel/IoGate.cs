namespace VolumeManager.Agent.Kernel;

/// <summary>
/// The I/O gate of one disk group: I/O enters and leaves; quiesce closes the gate to new I/O and waits,
/// within a bound, for I/O in flight to drain; resume opens it again.
/// </summary>
public sealed class IoGate
{
    private readonly object sync = new();
    private TaskCompletionSource opened = Completed();
    private TaskCompletionSource? drained;
    private int inFlight;
    private int closers;
    private bool closed;

    public int InFlight { get { lock (sync) return inFlight; } }
    public bool Closed { get { lock (sync) return closed; } }

    public async Task EnterAsync(CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (sync)
            {
                if (!closed) { inFlight++; return; }
                wait = opened.Task;
            }
            await wait.WaitAsync(ct);
        }
    }

    public void Exit()
    {
        lock (sync)
        {
            inFlight--;
            if (inFlight == 0) drained?.TrySetResult();
        }
    }

    /// <summary>Closes the gate and waits for in-flight I/O; false if it does not drain within the bound (the caller then resumes).</summary>
    public async Task<bool> QuiesceAsync(TimeSpan bound)
    {
        Task wait;
        lock (sync)
        {
            closers++;
            if (!closed) opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            closed = true;
            if (inFlight == 0) return true;
            drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = drained.Task;
        }
        return await Task.WhenAny(wait, Task.Delay(bound)) == wait;
    }

    /// <summary>One quiesce ends; the gate opens when no transaction holds it closed any more.</summary>
    public void Resume()
    {
        lock (sync)
        {
            if (closers > 0) closers--;
            if (closers > 0) return;
            closed = false;
            drained = null;
            opened.TrySetResult();
        }
    }

    private static TaskCompletionSource Completed()
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.SetResult();
        return source;
    }
}
