using System.Diagnostics;

namespace VolumeManager.Agent.Hosting;

/// <summary>An agent of a local test cluster ends when the process that started it is gone, so none outlives its test.</summary>
public static class ParentWatch
{
    public static async Task StopWhenGoneAsync(int parentPid, CancellationTokenSource stop, AgentLog log)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
        {
            if (Alive(parentPid)) continue;
            log.Write($"the process that started this agent ({parentPid}) is gone; stopping");
            stop.Cancel();
            return;
        }
    }

    public static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
    }
}
