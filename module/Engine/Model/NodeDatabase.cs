namespace VolumeManager.Engine.Model;

/// <summary>
/// One node's configuration database: the cluster-wide shared configuration (identical on every
/// member, versioned by <see cref="Generation"/>) and the disk groups private to this node.
/// </summary>
public sealed class NodeDatabase
{
    public Guid ClusterId { get; set; }
    public long Generation { get; set; }
    public List<DiskGroup> Shared { get; set; } = [];
    public long PrivateGeneration { get; set; }
    public List<DiskGroup> Private { get; set; } = [];

    public DiskGroup? FindShared(string name) => Shared.FirstOrDefault(g => NameRules.Same(g.Name, name));
    public DiskGroup? FindPrivate(string name) => Private.FirstOrDefault(g => NameRules.Same(g.Name, name));
    public DiskGroup? Find(string name) => FindShared(name) ?? FindPrivate(name);
    public IEnumerable<DiskGroup> All => Shared.Concat(Private);

    public NodeDatabase Clone() => new()
    {
        ClusterId = ClusterId, Generation = Generation, PrivateGeneration = PrivateGeneration,
        Shared = Shared.Select(g => g.Clone()).ToList(),
        Private = Private.Select(g => g.Clone()).ToList(),
    };
}
