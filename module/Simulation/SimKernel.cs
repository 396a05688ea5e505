namespace VolumeManager.Simulation;

/// <summary>
/// A node's simulated kernel: one I/O gate per disk group, gated exactly like the agent's IoGate and
/// VolumeKernel — quiesce closes a gate to new I/O and waits, within a bound, for I/O in flight to drain;
/// resume opens it. Belongs to one agent incarnation: a crash discards it with the I/O in flight.
/// </summary>
internal sealed class SimKernel(Simulator sim, SimNode node)
{
    private sealed class Gate
    {
        public int InFlight;
        public bool Closed;
        public Action? Drained;
        public List<Action> Waiting = [];
    }

    private readonly SortedDictionary<string, Gate> gates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> quiescedBy = [];
    private bool stopped;

    public int InFlight(string group) => gates.TryGetValue(group, out var gate) ? gate.InFlight : 0;
    public bool Closed(string group) => gates.TryGetValue(group, out var gate) && gate.Closed;
    public bool AnyClosed => gates.Values.Any(g => g.Closed);
    public int TotalInFlight => gates.Values.Sum(g => g.InFlight);

    public void Stop() => stopped = true;

    /// <summary>
    /// An I/O to a disk group: enters when the gate is open (waits while it is closed), leaves after <paramref name="duration"/>;
    /// <paramref name="entered"/> runs as it enters (a write reaches the disks), <paramref name="left"/> once it has left the gate.
    /// </summary>
    public void Submit(string group, TimeSpan duration, Action? entered = null, Action? left = null)
    {
        var gate = GateOf(group);
        if (gate.Closed) { gate.Waiting.Add(() => Submit(group, duration, entered, left)); return; }
        gate.InFlight++;
        entered?.Invoke();
        sim.At(duration, () =>
        {
            if (stopped) return;
            gate.InFlight--;
            if (gate.InFlight == 0 && gate.Drained is { } drained) { gate.Drained = null; drained(); }
            left?.Invoke();
        });
    }

    /// <summary>Quiesces each disk group in turn; <paramref name="done"/> gets null when all drained, else the problem.</summary>
    public void Quiesce(string transactionId, IReadOnlyList<string> groups, Action<string?> done)
    {
        quiescedBy[transactionId] = [.. groups];
        Next(0);

        void Next(int i)
        {
            if (stopped) return;
            if (i == groups.Count)
            {
                sim.At(sim.Between(sim.Options.Kernel.MinDrainDelay, sim.Options.Kernel.MaxDrainDelay), () => { if (!stopped) done(null); });
                return;
            }
            var gate = GateOf(groups[i]);
            var inFlight = gate.InFlight;
            gate.Closed = true;
            if (inFlight == 0) { Next(i + 1); return; }
            var finished = false;
            Action drained = () => { if (finished) return; finished = true; Next(i + 1); };
            gate.Drained = drained;
            var bound = sim.Options.Kernel.DrainBound;
            sim.At(bound, () =>
            {
                if (finished || stopped) return;
                finished = true;
                // Only its own wait: a later quiesce of the same gate (this one was resumed meanwhile) keeps waiting.
                if (gate.Drained == drained) gate.Drained = null;
                Resume(transactionId);
                done($"I/O to disk group '{groups[i]}' did not drain within {bound.TotalSeconds:0.###} s ({inFlight} in flight).");
            });
        }
    }

    /// <summary>Closes the groups' gates and keeps them closed, drained or not, until <see cref="Resume"/> of the same id (the node's fence).</summary>
    public void Hold(string id, IReadOnlyList<string> groups)
    {
        if (!quiescedBy.TryAdd(id, [.. groups])) return;
        foreach (var group in groups) GateOf(group).Closed = true;
    }

    public void Resume(string transactionId)
    {
        if (!quiescedBy.Remove(transactionId, out var groups)) return;
        // Counted like the agent's gates: a gate another transaction still holds closed stays closed.
        foreach (var group in groups.Where(g => !quiescedBy.Values.Any(held => held.Contains(g))))
        {
            Open(GateOf(group));
            sim.Data.GateOpened(node, group);
        }
    }

    private void Open(Gate gate)
    {
        gate.Closed = false;
        gate.Drained = null;
        var waiting = gate.Waiting;
        gate.Waiting = [];
        foreach (var enter in waiting) enter();
    }

    private Gate GateOf(string group)
    {
        if (!gates.TryGetValue(group, out var gate)) gates[group] = gate = new Gate();
        return gate;
    }

    public override string ToString() => $"kernel of {node.Name}";
}
