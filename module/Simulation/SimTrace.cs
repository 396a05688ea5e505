namespace VolumeManager.Simulation;

/// <summary>The last lines of what happened in a run, for the report of a failing seed. Off (no cost) when sized 0.</summary>
public sealed class SimTrace(int capacity)
{
    private readonly Queue<string> lines = new();

    public bool Enabled => capacity > 0;

    public void Add(TimeSpan at, string text)
    {
        if (capacity <= 0) return;
        if (lines.Count == capacity) lines.Dequeue();
        lines.Enqueue($"{at.TotalSeconds,9:0.000} {text}");
    }

    public override string ToString() => string.Join(Environment.NewLine, lines);
}
