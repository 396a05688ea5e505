using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>The disks the cluster's nodes can open, with the nodes that can open each one.</summary>
[Cmdlet(VerbsCommon.Get, "VmDisk")]
[OutputType(typeof(VmDisk))]
public sealed class GetVmDiskCommand : VmCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(DiskNameCompleter))]
    [Alias("Disk")]
    public string[]? Name { get; set; }

    /// <summary>Only the disks this node can open.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    protected override void ProcessRecord()
    {
        var nodes = Node is null ? Connection.Endpoints.Keys.ToList() : [Node];
        var views = Await(ct => Task.WhenAll(nodes.Select(n => TryViewAsync(n, ct))));
        var groups = views.OfType<ClusterView>().SelectMany(v => v.DiskGroups).ToList();
        var seen = views.OfType<ClusterView>().SelectMany(v => v.Disks).ToList();
        var disks = seen.Concat(Unseen(groups, seen))
            .GroupBy(d => d.Id)
            .Select(g => Merge(g.ToList()))
            .OrderBy(d => d.Name, StringComparer.Ordinal);
        var imported = groups.Select(g => g.Id).ToHashSet();
        var recorded = groups.SelectMany(g => g.Disks).GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.First());
        foreach (var disk in NameFilter.Apply(disks, d => d.Name, Name, this, "disk", "DiskNotFound"))
            WriteObject(ObjectMapper.ToObject(disk, disk.DiskGroupId is { } id && !imported.Contains(id), recorded.GetValueOrDefault(disk.Id)));
    }

    /// <summary>The disks an imported group records that no node can open (a failed disk): listed with no path and no node.</summary>
    private static IEnumerable<DiskInfo> Unseen(List<DiskGroup> groups, List<DiskInfo> seen) =>
        groups.SelectMany(g => g.Disks.Select(d => (Group: g, Disk: d)))
            .Where(x => seen.All(s => s.Id != x.Disk.Id))
            .DistinctBy(x => x.Disk.Id)
            .Select(x => new DiskInfo { Name = x.Disk.Name, Id = x.Disk.Id, SizeBytes = x.Disk.SizeBytes, Path = "", DiskGroup = x.Group.Name, DiskGroupId = x.Group.Id, AccessibleFrom = [] });

    private async Task<ClusterView?> TryViewAsync(string node, CancellationToken ct)
    {
        try { return await Connection.Endpoint(node).GetViewAsync(ct); }
        catch (EndpointException e)
        {
            OnPipeline(() => WriteWarning(e.Message));
            return null;
        }
    }

    private static DiskInfo Merge(List<DiskInfo> seen)
    {
        var first = seen[0];
        first.AccessibleFrom = seen.SelectMany(d => d.AccessibleFrom).Distinct().Order(StringComparer.Ordinal).ToList();
        return first;
    }
}
