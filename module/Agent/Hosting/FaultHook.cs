using VolumeManager.Engine.Protocol;

namespace VolumeManager.Agent.Hosting;

/// <summary>
/// Test-only fault injection, off unless VMCONFIGD_FAULT is set by the test harness: "crash-before:&lt;effect&gt;"
/// ends the process at once just before the named protocol step (e.g. "crash-before:Prepared").
/// </summary>
public sealed class FaultHook(string? spec, AgentLog log)
{
    public const string Variable = "VMCONFIGD_FAULT";

    public void Before(Effect effect)
    {
        if (spec is null || !spec.StartsWith("crash-before:", StringComparison.Ordinal)) return;
        var step = spec["crash-before:".Length..];
        var name = effect is Send s ? s.Message.GetType().Name : effect.GetType().Name;
        if (name != step) return;
        log.Write($"fault hook: crashing before {step}");
        Environment.Exit(137);
    }
}
