namespace VolumeManager.Engine.Model;

/// <summary>What the initiating side knows of the cluster: enough to run the local checks.</summary>
public sealed class ClusterView
{
    public string ClusterName { get; set; } = "";
    public Guid ClusterId { get; set; }
    public long Epoch { get; set; }
    public string Master { get; set; } = "";
    /// <summary>Set while there is no master because this node hears too few members to form a cluster: why.</summary>
    public string? NoQuorum { get; set; }
    public long Generation { get; set; }
    /// <summary>Hash of this node's shared configuration: equal on every member after a completed change.</summary>
    public string SharedHash { get; set; } = "";
    public List<MemberInfo> Members { get; set; } = [];
    /// <summary>(Set by the agent host.) Interconnect frames and handshakes this node refused as replayed, reordered or redirected since its agent started.</summary>
    public long ReplayRefused { get; set; }
    public List<DiskGroup> DiskGroups { get; set; } = [];
    /// <summary>The node's generation of its private disk groups (<see cref="Generation"/> counts the shared ones).</summary>
    public long PrivateGeneration { get; set; }
    /// <summary>The process id of the node's agent: a token names groups within one run of it.</summary>
    public int AgentProcessId { get; set; }
    /// <summary>Names this node's disk groups as the view holds them (<see cref="GroupsTokenOf"/>): equal tokens, equal groups; empty without an agent's run.</summary>
    public string GroupsToken => AgentProcessId > 0 ? GroupsTokenOf(AgentProcessId, Generation, PrivateGeneration) : "";
    /// <summary>The caller already holds these groups (it named their token): <see cref="DiskGroups"/> was left out of the reply.</summary>
    public bool GroupsOmitted { get; set; }
    public List<DiskInfo> Disks { get; set; } = [];

    /// <summary>
    /// The token of a node's disk groups: within one run of its agent both generations name its groups (every change to
    /// them is a transaction, applied alike by whoever applies it), so a caller that applied a committed transaction to
    /// the groups it held knows the token of the result.
    /// </summary>
    public static string GroupsTokenOf(int agentProcessId, long generation, long privateGeneration) => $"{agentProcessId}/{generation}/{privateGeneration}";

    public DiskGroup? FindDiskGroup(string name) => DiskGroups.FirstOrDefault(g => NameRules.Same(g.Name, name));
    public DiskInfo? FindDisk(string name) => Disks.FirstOrDefault(d => NameRules.Same(d.Name, name));
    public IEnumerable<MemberInfo> ActiveMembers => Members.Where(m => m.State is MemberState.Joined or MemberState.Down);
}
