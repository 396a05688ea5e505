using System.Collections.Concurrent;
using VolumeManager.Agent.Storage;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// The data path's open disks, by disk name. Handles stay open between requests; when the configuration changes,
/// <see cref="Refresh"/> rescans where each disk is and reopens the ones whose path changed, closing the ones no
/// group uses any more.
/// </summary>
public sealed class DiskHandles(DiskScanner scanner) : IDisposable
{
    private readonly ConcurrentDictionary<string, DiskHandle> open = new(StringComparer.Ordinal);
    private readonly object sync = new();
    private Dictionary<string, string> paths = [];

    public DiskHandle Get(string disk)
    {
        if (open.TryGetValue(disk, out var handle)) return handle;
        lock (sync)
        {
            if (open.TryGetValue(disk, out handle)) return handle;
            var path = PathOf(disk);
            return open[disk] = DiskHandle.Open(path);
        }
    }

    /// <summary>Where a disk opens on this node (a rescan when it is not known yet).</summary>
    public string PathOf(string disk)
    {
        lock (sync)
        {
            if (paths.TryGetValue(disk, out var path)) return path;
            paths = scanner.Scan().ToDictionary(d => d.Name, d => d.Path);
            return paths.TryGetValue(disk, out path) ? path : throw new IOException($"disk '{disk}' cannot be opened on this node.");
        }
    }

    /// <summary>The configuration changed: keep the handles of <paramref name="inUse"/> that still point where the disk is.</summary>
    public void Refresh(IReadOnlySet<string> inUse)
    {
        lock (sync)
        {
            paths = scanner.Scan().ToDictionary(d => d.Name, d => d.Path);
            foreach (var (disk, handle) in open)
            {
                if (inUse.Contains(disk) && paths.GetValueOrDefault(disk) == handle.Path) continue;
                open.TryRemove(disk, out _);
                handle.Dispose();   // a request still using it holds a reference: the descriptor closes after it
            }
        }
    }

    public void Dispose()
    {
        foreach (var handle in open.Values) handle.Dispose();
        open.Clear();
    }
}
