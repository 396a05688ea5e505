using System.Collections.Concurrent;

namespace VolumeManager.Agent.Hosting;

/// <summary>
/// Keeps heartbeats going while the agent's loop is held up by disk I/O (an fsync, a disk copy on a slow disk):
/// it sends each peer the last heartbeat the state machine sent it again, once a heartbeat interval passes with the
/// loop inside disk I/O and no new heartbeat. A storage stall so does not look like a node failure to the peers; a
/// loop stuck anywhere else, or a dead process, still goes silent.
/// </summary>
public sealed class HeartbeatPacer(TimeSpan interval, Action<string, byte[]> send, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, byte[]> last = new(StringComparer.Ordinal);
    private long lastSent = (time ?? TimeProvider.System).GetTimestamp();
    private int inDiskIo;

    /// <summary>Heartbeats sent again so far.</summary>
    public long Resent { get; private set; }

    /// <summary>The state machine sent <paramref name="peer"/> this heartbeat.</summary>
    public void Sent(string peer, byte[] payload)
    {
        last[peer] = payload;
        Interlocked.Exchange(ref lastSent, clock.GetTimestamp());
    }

    /// <summary>Marks the loop as inside disk I/O until the scope is disposed.</summary>
    public DiskIoScope DiskIo()
    {
        Interlocked.Increment(ref inDiskIo);
        return new DiskIoScope(this);
    }

    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval / 2);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false)) Pace();
    }

    /// <summary>One check: resends when the loop is in disk I/O and the last heartbeat is an interval old.</summary>
    public void Pace()
    {
        if (Volatile.Read(ref inDiskIo) == 0 || clock.GetElapsedTime(Interlocked.Read(ref lastSent)) < interval) return;
        foreach (var (peer, payload) in last) send(peer, payload);
        Resent += last.Count;
        Interlocked.Exchange(ref lastSent, clock.GetTimestamp());
    }

    public readonly struct DiskIoScope(HeartbeatPacer pacer) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref pacer.inDiskIo);
    }
}
