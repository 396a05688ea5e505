using VolumeManager.Cmdlets.Objects;
using VolumeManager.Cmdlets.Remoting;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>The resynchronisation tasks every reachable node reports, as VmTask objects, newest first.</summary>
internal static class ResyncTasks
{
    public static async Task<List<VmTask>> ReadAsync(ClusterConnection connection, IEnumerable<string> nodes, CancellationToken ct)
    {
        var reports = await Task.WhenAll(nodes.Select(n => TryReadAsync(connection, n, ct)));
        return reports.OfType<KernelReport>().SelectMany(r => r.Resyncs).OrderByDescending(t => t.Started).Select(ToObject).ToList();
    }

    private static async Task<KernelReport?> TryReadAsync(ClusterConnection connection, string node, CancellationToken ct)
    {
        try { return (await connection.Endpoint(node).RequestAsync(new KernelQuery(), ct)).Kernel; }
        catch (Exception e) when (e is Engine.Initiation.EndpointException or IOException) { return null; }   // a killed endpoint: a broken pipe
    }

    public static VmTask ToObject(ResyncTask task) => new()
    {
        Id = task.Id, Kind = task.Kind.ToString(), ForNode = task.ForNode, Node = task.Node, DiskGroup = task.DiskGroup, Volume = task.Volume, Plex = task.Plex, Source = task.Source,
        State = task.State.ToString(), DoneBytes = task.DoneBytes, TotalBytes = task.TotalBytes, ResumedFrom = task.ResumedFrom,
        PercentComplete = task.TotalBytes <= 0 ? 100 : (int)Math.Min(100, task.DoneBytes * 100 / task.TotalBytes),
        RegionsTotal = task.RegionsTotal, RegionsCopied = task.RegionsCopied, MaxRate = task.MaxRateBytes / 1048576.0,
        Error = task.Error, Started = task.Started, Updated = task.Updated,
    };
}
