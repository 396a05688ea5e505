namespace VolumeManager.Simulation;

/// <summary>
/// Runs the continuations of the initiators' awaits on the simulator's own thread, in the order they were
/// posted, when the simulator pumps it: the real <see cref="Engine.Initiation.Initiator"/> runs deterministically.
/// </summary>
internal sealed class SimSynchronizationContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> work = new();

    public override void Post(SendOrPostCallback d, object? state) => work.Enqueue((d, state));

    public override void Send(SendOrPostCallback d, object? state) => d(state);

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs every posted continuation, including those posted while running.</summary>
    public void Pump()
    {
        while (work.TryDequeue(out var item)) item.Callback(item.State);
    }

    /// <summary>Installs this context on the calling thread for the duration of <paramref name="action"/>.</summary>
    public void Run(Action action)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            action();
            Pump();
        }
        finally { SetSynchronizationContext(previous); }
    }
}
