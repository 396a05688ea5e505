using VolumeManager.Engine.Protocol;

namespace VolumeManager.Agent.Hosting;

/// <summary>
/// Test-only fault injection, inert unless the agent was started with VMCONFIGD_FAULTS=1. A rule
/// "&lt;crash|hold&gt;-&lt;before|after&gt;:&lt;point&gt;" fires once at the named protocol step: crash ends the
/// process at once (as a kill would); hold keeps that one effect back until released, while the
/// agent goes on (heartbeats continue). Points: a message type sent ("Prepared", "CommitNotice"),
/// "Reply" + the request kind ("ReplyCheckRequest"), an effect ("PersistDatabase", "Quiesce"), or a kernel step
/// ("ResyncChunk" before each chunk a resynchronisation copies, "ResyncCopy" inside the disk group's I/O gate). A "#n" suffix fires at the n-th pass instead of the next.
/// Two rules last until undone: "drop:&lt;peer&gt;" cuts the interconnect link to that peer (every frame this agent
/// would send to it, and every frame it receives from it, is dropped; arm it on both nodes for a symmetric cut)
/// until "heal:&lt;peer&gt;"; "skip:&lt;point&gt;" skips every effect at that point ("skip:RenewLease": the agent stops
/// renewing the disk lease). Release heals every cut link and ends every skip, as well as carrying out held effects.
/// </summary>
public sealed class FaultHook(bool enabled, AgentLog log)
{
    public const string Variable = "VMCONFIGD_FAULTS";
    private readonly List<string> rules = [];
    private readonly List<Effect> held = [];
    private readonly Dictionary<string, long> cut = new(StringComparer.Ordinal);
    private readonly HashSet<string> skipped = new(StringComparer.Ordinal);
    private TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Enabled => enabled;

    public string Arm(string rule)
    {
        if (!enabled) return "fault injection is not enabled on this agent";
        if (!IsRule(rule)) return $"'{rule}' is not a fault rule: use crash-before:X, crash-after:X, hold-before:X (with an optional #n), drop:<peer>, heal:<peer> or skip:X";
        lock (rules)
        {
            if (Lasting(rule, "drop:") is { } peer) { cut.TryAdd(peer, 0); log.Write($"fault hook: dropping every interconnect frame to and from {peer}"); }
            else if (Lasting(rule, "heal:") is { } healed) Heal(healed);
            else if (Lasting(rule, "skip:") is { } point) { skipped.Add(point); log.Write($"fault hook: skipping every {point}"); }
            else { rules.Add(rule); log.Write($"fault hook: armed {rule}"); }
        }
        return "";
    }

    /// <summary>Whether a frame to or from <paramref name="peer"/> is dropped (the link to it is cut); counts the drops.</summary>
    public bool Drops(string peer)
    {
        if (!enabled) return false;
        lock (rules)
        {
            if (!cut.TryGetValue(peer, out var dropped)) return false;
            cut[peer] = dropped + 1;
            return true;
        }
    }

    private void Heal(string peer)
    {
        if (cut.Remove(peer, out var dropped)) log.Write($"fault hook: link to {peer} healed after {dropped} dropped frame(s)");
    }

    public List<Effect> Release()
    {
        lock (rules)
        {
            var effects = held.ToList();
            held.Clear();
            released.TrySetResult();
            released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var peer in cut.Keys.ToList()) Heal(peer);
            skipped.Clear();
            log.Write($"fault hook: released {effects.Count} held effect(s)");
            return effects;
        }
    }

    /// <summary>False when the effect is held back instead of carried out now.</summary>
    public bool Before(string point, Effect effect)
    {
        if (!enabled) return true;
        if (Fire($"crash-before:{point}")) Crash(point);
        lock (rules) if (skipped.Contains(point)) return false;
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

    /// <summary>The argument of a lasting rule ("drop:n2" → "n2"), or null when <paramref name="rule"/> is not one of that kind.</summary>
    private static string? Lasting(string rule, string kind) =>
        rule.StartsWith(kind, StringComparison.Ordinal) && rule.Length > kind.Length ? rule[kind.Length..] : null;

    private static bool IsRule(string rule) =>
        Lasting(rule, "drop:") is { } peer ? !peer.Contains('#')
        : Lasting(rule, "heal:") is { } healed ? !healed.Contains('#')
        : Lasting(rule, "skip:") is { } point ? !point.Contains('#')
        : (rule.StartsWith("crash-before:", StringComparison.Ordinal) || rule.StartsWith("crash-after:", StringComparison.Ordinal)
         || rule.StartsWith("hold-before:", StringComparison.Ordinal))
        && (rule.IndexOf('#') is var hash && (hash < 0 || int.TryParse(rule[(hash + 1)..], out var n) && n >= 1));
}
