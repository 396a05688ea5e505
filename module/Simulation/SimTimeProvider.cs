namespace VolumeManager.Simulation;

/// <summary>The simulated clock as a <see cref="TimeProvider"/>: timers are simulator events, so code that waits (the initiator) stays deterministic.</summary>
internal sealed class SimTimeProvider(Simulator sim) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => sim.Now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => sim.Elapsed.Ticks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new SimTimer(sim, callback, state, dueTime, period);

    private sealed class SimTimer : ITimer
    {
        private readonly Simulator sim;
        private readonly TimerCallback callback;
        private readonly object? state;
        private int generation;

        public SimTimer(Simulator sim, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            this.sim = sim;
            this.callback = callback;
            this.state = state;
            Change(dueTime, period);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var mine = ++generation;
            if (dueTime == Timeout.InfiniteTimeSpan) return true;
            Schedule(dueTime, period, mine);
            return true;
        }

        private void Schedule(TimeSpan due, TimeSpan period, int mine) => sim.At(due, () =>
        {
            if (mine != generation) return;
            callback(state);
            if (period != Timeout.InfiniteTimeSpan && period > TimeSpan.Zero && mine == generation) Schedule(period, period, mine);
        });

        public void Dispose() => generation++;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
