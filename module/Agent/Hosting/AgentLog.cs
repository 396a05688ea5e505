namespace VolumeManager.Agent.Hosting;

/// <summary>The agent's log: one timestamped line per event, appended to a file in the state directory.</summary>
public sealed class AgentLog(string path, string node) : IDisposable
{
    private readonly StreamWriter writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    private readonly object sync = new();

    public void Write(string text)
    {
        lock (sync) writer.WriteLine($"{DateTimeOffset.UtcNow:O} {node} {text}");
    }

    public void Dispose()
    {
        lock (sync) writer.Dispose();
    }
}
