using VolumeManager.Engine.Protocol;

namespace VolumeManager.Agent.Hosting;

/// <summary>
/// Test-only fault injection, inert unless the agent was started with VMCONFIGD_FAULTS=1. A rule
/// "&lt;crash|hold&gt;-&lt;before|after&gt;:&lt;point&gt;" fires once at the named protocol step: crash ends the
/// process at once (as a kill would); hold keeps that one effect back until released, while the
/// agent goes on (heartbeats continue). Points: a message type sent ("Prepared", "CommitNotice"),
/// "Reply" + the request kind ("ReplyCheckRequest"), an effect ("PersistDatabase", "Quiesce"), or a kernel step
/// ("ResyncChunk" before each chunk a resynchronisation copies, "ResyncCopy" inside the disk group's I/O gate). A "#n" suffix fires at the n-th pass instead of the next.
/// </summary>
public sealed class FaultHook(bool enabled, AgentLog log)
{
    public const string Variable = "VMCONFIGD_FAULTS";
    private readonly List<string> rules = [];
    private readonly List<Effect> held = [];
    private TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Enabled => enabled;

    public string Arm(string rule)
    {
        if (!enabled) return "fault injection is not enabled on this agent";
        if (!IsRule(rule)) return $"'{rule}' is not a fault rule: use crash-before:X, crash-after:X, hold-before:X";
        lock (rules) rules.Add(rule);
        log.Write($"fault hook: armed {rule}");
        return "";
    }

    public List<Effect> Release()
    {
        lock (rules)
        {
            var effects = held.ToList();
            held.Clear();
            released.TrySetResult();
            released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            log.Write($"fault hook: released {effects.Count} held effect(s)");
            return effects;
        }
    }

    /// <summary>False when the effect is held back instead of carried out now.</summary>
    public bool Before(string point, Effect effect)
    {
        if (!enabled) return true;
        if (Fire($"crash-before:{point}")) Crash(point);
        if (!Fire($"hold-before:{point}")) return true;
        lock (rules) held.Add(effect);
        log.Write($"fault hook: holding {point}");
        return false;
    }

    public void After(string point)
    {
        if (enabled && Fire($"crash-after:{point}")) Crash(point);
    }

    /// <summary>A step outside the state machine's effects: crashes, or waits until the held effects are released.</summary>
    public async Task PassAsync(string point, CancellationToken ct)
    {
        if (!enabled) return;
        if (Fire($"crash-before:{point}")) Crash(point);
        if (!Fire($"hold-before:{point}")) return;
        Task wait;
        lock (rules) wait = released.Task;
        log.Write($"fault hook: holding {point}");
        await wait.WaitAsync(ct);
    }

    private bool Fire(string rule)
    {
        lock (rules)
        {
            if (rules.Remove(rule)) return true;
            var counted = rules.FindIndex(r => r.StartsWith(rule + "#", StringComparison.Ordinal));
            if (counted < 0) return false;
            var left = int.Parse(rules[counted][(rule.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture) - 1;
            if (left <= 0) { rules.RemoveAt(counted); return true; }
            rules[counted] = left == 1 ? rule : $"{rule}#{left}";
            return false;
        }
    }

    private void Crash(string point)
    {
        log.Write($"fault hook: crashing at {point}");
        Environment.Exit(137);
    }

    private static bool IsRule(string rule) =>
        (rule.StartsWith("crash-before:", StringComparison.Ordinal) || rule.StartsWith("crash-after:", StringComparison.Ordinal)
         || rule.StartsWith("hold-before:", StringComparison.Ordinal))
        && (rule.IndexOf('#') is var hash && (hash < 0 || int.TryParse(rule[(hash + 1)..], out var n) && n >= 1));
}
