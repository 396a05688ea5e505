using System.Diagnostics;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Agent.Hosting;

/// <summary>
/// With VMCONFIGD_TRACE=1 in the agent's environment, every input the node machine takes (but ticks and heartbeats)
/// and every effect it carries out, with its duration, go to the log: the timeline of a change's freeze across nodes,
/// read side by side from each node's log. Each effect's line ends with the garbage collector's pauses since the agent
/// started, so a step slowed by a collection shows it.
/// </summary>
internal sealed class AgentTrace(AgentLog log)
{
    private readonly bool enabled = Environment.GetEnvironmentVariable("VMCONFIGD_TRACE") == "1";

    public void Input(Input input)
    {
        if (!enabled || input is Tick or Received { Message: Heartbeat }) return;
        var what = input is Received r ? $"{r.Message.GetType().Name} from {r.Message.From}" : input.GetType().Name;
        log.Write($"trace: in {what}, fed {(MonotonicClock.Now - input.Now).TotalMilliseconds:0.0} ms ago");
    }

    public void Effect(Effect effect, long started)
    {
        if (!enabled || effect is Send { Message: Heartbeat } or Log) return;
        var what = effect is Send s ? $"Send {s.Message.GetType().Name}>{s.To}" : effect.GetType().Name;
        log.Write($"trace: {what} {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0} ms{Paused()}");
    }

    public void Fsync(long started)
    {
        if (enabled) log.Write($"trace: grouped fsync {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0} ms{Paused()}");
    }

    private static string Paused() => $" (gc paused {GC.GetTotalPauseDuration().TotalMilliseconds:0} ms in all)";
}
