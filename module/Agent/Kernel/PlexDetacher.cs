using System.Collections.Concurrent;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Agent.Kernel;

/// <summary>Whether a plex is out of the way of the data path: detached cluster-wide, or still attached and why.</summary>
public sealed record DetachResult(bool Detached, string Reason);

/// <summary>
/// The kernel's side of a disk error: it asks the group's coordinator to detach the plex (a <see cref="DetachPlex"/>
/// transaction through the protocol) and waits until this node's configuration shows it detached. Until then the plex
/// is failing here: the data path neither reads it nor writes it, and writes wait for the detach before they are
/// acknowledged, so no write is acknowledged on fewer plexes than the configuration calls active. A refusal (the last
/// Active plex, or another node still reaching the disk under the Local policy) is remembered for a while, so I/O on
/// this node fails at once instead of asking again for every request.
/// </summary>
public sealed class PlexDetacher(string node, Func<NodeDatabase> database, KernelChanges changes, Action<string> log)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RefusalKept = TimeSpan.FromSeconds(10);
    private static readonly string[] Final = [ErrorIds.LastPlex, ErrorIds.DiskStillAccessible, ErrorIds.InvalidPlexState, ErrorIds.PlexNotFound, ErrorIds.VolumeNotFound, ErrorIds.DiskGroupNotFound];
    private readonly ConcurrentDictionary<(string, string, string), Task<DetachResult>> pending = new();
    private readonly ConcurrentDictionary<(string, string, string), (DateTimeOffset Until, string Reason)> refused = new();
    private volatile int failing;

    /// <summary>The plex is waiting for its detach here, or its detach was refused lately: the data path leaves it alone.</summary>
    public bool IsFailing(string diskGroup, string volume, string plex)
    {
        if (failing == 0) return false;
        var key = (diskGroup, volume, plex);
        if (pending.ContainsKey(key)) return true;
        return refused.TryGetValue(key, out var r) && (r.Until > DateTimeOffset.UtcNow || !Forget(key));
    }

    /// <summary>Why the plex's detach was refused lately (it stays attached); null when it was not.</summary>
    public string? Refusal(string diskGroup, string volume, string plex) =>
        failing != 0 && refused.TryGetValue((diskGroup, volume, plex), out var r) && r.Until > DateTimeOffset.UtcNow ? r.Reason : null;

    /// <summary>How the plex's failure settles: detached, or refused (with the reason). One request per plex at a time.</summary>
    public Task<DetachResult> DetachAsync(PlexIoError error)
    {
        var key = (error.DiskGroup, error.Volume, error.Plex);
        if (refused.TryGetValue(key, out var r) && r.Until > DateTimeOffset.UtcNow) return Task.FromResult(new DetachResult(false, r.Reason));
        return pending.GetOrAdd(key, _ =>
        {
            Interlocked.Increment(ref failing);
            return Task.Run(() => SettleAsync(key, error));
        });
    }

    private async Task<DetachResult> SettleAsync((string, string, string) key, PlexIoError error)
    {
        try
        {
            var result = await RequestAsync(error);
            if (!result.Detached) Refuse(key, result.Reason);
            log(result.Detached
                ? $"plex {error.Plex} of {error.DiskGroup}/{error.Volume} is detached (disk {error.Disk}: {error.Message})"
                : $"plex {error.Plex} of {error.DiskGroup}/{error.Volume} stays attached: {result.Reason}");
            return result;
        }
        finally
        {
            pending.TryRemove(key, out _);
            Interlocked.Decrement(ref failing);
        }
    }

    private async Task<DetachResult> RequestAsync(PlexIoError error)
    {
        var deadline = DateTimeOffset.UtcNow + Budget;
        var last = "the cluster did not take the change in time";
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (Current(error) is not { } group) return new DetachResult(true, "");
            var answer = await changes.RunAsync(group, Detach(error), () => Current(error) is null, deadline);
            if (answer.Ok || Current(error) is null) return new DetachResult(true, "");
            last = answer.Error ?? answer.ErrorId ?? last;
            if (Final.Contains(answer.ErrorId)) return new DetachResult(false, last);
            await Task.Delay(Retry);
        }
        return new DetachResult(false, last);
    }

    private DetachPlex Detach(PlexIoError error) => new()
    {
        DiskGroup = error.DiskGroup, Volume = error.Volume, Plex = error.Plex, Disk = error.Disk, Node = node,
        Reason = $"{error.Operation.ToLowerInvariant()} failed: {error.Message}", DiskUnopenable = error.Operation == "Open",
    };

    /// <summary>The plex's group while the plex is still attached in this node's configuration; null once it is not.</summary>
    private DiskGroup? Current(PlexIoError error)
    {
        var group = database().Find(error.DiskGroup);
        return group?.FindVolume(error.Volume)?.FindPlex(error.Plex) is { IsAttached: true } ? group : null;
    }

    private void Refuse((string, string, string) key, string reason)
    {
        var kept = (DateTimeOffset.UtcNow + RefusalKept, reason);
        if (refused.TryAdd(key, kept)) Interlocked.Increment(ref failing);
        else refused[key] = kept;
    }

    private bool Forget((string, string, string) key)
    {
        if (refused.TryRemove(key, out _)) Interlocked.Decrement(ref failing);
        return false;
    }
}
