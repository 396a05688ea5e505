using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.DesiredState;

/// <summary>
/// The cluster as it is: the shared disk groups, every node's private disk groups (each with its owner),
/// the nodes that can own a private group, and the disks the cluster knows.
/// </summary>
public sealed class LiveConfiguration
{
    public List<DiskGroup> DiskGroups { get; init; } = [];
    public List<string> Nodes { get; init; } = [];
    public List<string> Disks { get; init; } = [];

    /// <summary>
    /// Joins nodes' views: the shared groups from the first view, each node's private groups from its own
    /// view. The nodes given are the members that may own a private group.
    /// </summary>
    public static LiveConfiguration From(IReadOnlyList<(string Node, ClusterView View)> views)
    {
        var first = views.Count > 0 ? views[0].View : new ClusterView();
        var groups = first.DiskGroups.Where(g => g.Shared).Select(g => g.Clone()).ToList();
        foreach (var (node, view) in views)
            foreach (var group in view.DiskGroups.Where(g => !g.Shared))
            {
                var owned = group.Clone();
                owned.Owner ??= node;
                if (NameRules.Same(owned.Owner, node)) groups.Add(owned);
            }
        return new LiveConfiguration
        {
            DiskGroups = groups,
            Nodes = views.Select(v => v.Node).ToList(),
            Disks = views.SelectMany(v => v.View.Disks.Select(d => d.Name)).Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    public DiskGroup? FindDiskGroup(string name) => DiskGroups.FirstOrDefault(g => NameRules.Same(g.Name, name));

    /// <summary>The live configuration in the desired-state form: what Export-VmConfiguration writes.</summary>
    public DesiredConfiguration ToDesired() => new()
    {
        DiskGroups = DiskGroups.Select(g => new DesiredDiskGroup
        {
            Name = g.Name, Shared = g.Shared, Node = g.Shared ? null : g.Owner,
            Disks = g.Disks.Select(d => d.Name).ToList(),
            Volumes = g.Volumes.Select(v => new DesiredVolume { Name = v.Name, SizeBytes = v.SizeBytes, Mirrors = v.Plexes.Count }).ToList(),
        }).ToList(),
    };
}
