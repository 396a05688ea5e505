using System.Diagnostics;

namespace VolumeManager.Agent.Hosting;

/// <summary>
/// The agent's clock: the wall time when the process started, advanced by the monotonic timer. A wall clock set
/// back or forward (NTP, an administrator) neither makes a peer look silent nor keeps a silent one alive.
/// </summary>
internal static class MonotonicClock
{
    private static readonly DateTimeOffset Origin = DateTimeOffset.UtcNow;
    private static readonly long OriginTimestamp = Stopwatch.GetTimestamp();

    public static DateTimeOffset Now => Origin + Stopwatch.GetElapsedTime(OriginTimestamp);
}
