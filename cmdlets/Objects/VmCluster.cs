using System.Management.Automation;
using System.Management.Automation.Runspaces;
using VolumeManager.Cmdlets.Remoting;

namespace VolumeManager.Cmdlets.Objects;

/// <summary>A connected cluster: what Get-VmCluster shows, and the sessions the cmdlets use.</summary>
public sealed class VmCluster
{
    public string Name { get; internal set; } = "";
    public Guid Id { get; internal set; }
    public long Epoch { get; internal set; }
    public string Master { get; internal set; } = "";
    public string[] Members { get; internal set; } = [];
    public long Generation { get; internal set; }
    /// <summary>The node the cmdlets treat as "this node": the initiating node of a change.</summary>
    public string LocalNode { get; internal set; } = "";
    public string? Path { get; internal set; }
    public string Transport { get; internal set; } = "";
    /// <summary>How a local cluster's nodes are kept apart (None: one loopback address; Namespace: a network namespace each).</summary>
    public Hosting.LocalIsolation Isolation { get; internal set; }

    /// <summary>One open endpoint session per node, for Invoke-Command.</summary>
    public PSSession[] Sessions => Connection.Endpoints.Values.Select(e => e.Session).ToArray();

    [Hidden] internal ClusterConnection Connection { get; set; } = null!;

    public override string ToString() => Name;
}
