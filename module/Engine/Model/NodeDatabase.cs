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
    /// <summary>The membership epoch this node last knew while it was joined (or when it left).</summary>
    public long Epoch { get; set; }
    /// <summary>
    /// The members (Joining, Joined or Down) of that membership, by name; empty before the node first joined.
    /// After a restart a cluster forms only with a majority of it, so a node that left cannot help outvote it.
    /// </summary>
    public List<string> Membership { get; set; } = [];
    /// <summary>The shared transaction that produced <see cref="Generation"/> here, so a restart can tell it was applied.</summary>
    public string? LastTransaction { get; set; }

    public DiskGroup? FindShared(string name) => Shared.FirstOrDefault(g => NameRules.Same(g.Name, name));
    public DiskGroup? FindPrivate(string name) => Private.FirstOrDefault(g => NameRules.Same(g.Name, name));
    public DiskGroup? Find(string name) => FindShared(name) ?? FindPrivate(name);
    public IEnumerable<DiskGroup> All => Shared.Concat(Private);

    /// <summary>
    /// A copy a transaction may change: new group lists, every group shared until <see cref="DiskGroup.CopyForChange"/>
    /// replaces the ones it touches, so a change costs what it touches, not what the database holds.
    /// </summary>
    public NodeDatabase CopyForChange() => new()
    {
        ClusterId = ClusterId, Generation = Generation, PrivateGeneration = PrivateGeneration,
        Epoch = Epoch, Membership = [.. Membership], LastTransaction = LastTransaction,
        Shared = [.. Shared], Private = [.. Private],
    };

    public NodeDatabase Clone() => new()
    {
        ClusterId = ClusterId, Generation = Generation, PrivateGeneration = PrivateGeneration,
        Epoch = Epoch, Membership = [.. Membership], LastTransaction = LastTransaction,
        Shared = Shared.Select(g => g.Clone()).ToList(),
        Private = Private.Select(g => g.Clone()).ToList(),
    };
}
