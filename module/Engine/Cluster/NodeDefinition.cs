namespace VolumeManager.Engine.Cluster;

/// <summary>One node of the cluster definition.</summary>
public sealed class NodeDefinition
{
    public string Name { get; set; } = "";
    /// <summary>The agent's interconnect address, host:port.</summary>
    public string Interconnect { get; set; } = "";
    public EndpointDefinition Endpoint { get; set; } = EndpointDefinition.Local();
    /// <summary>The disks this node can open: absolute paths or globs.</summary>
    public List<string> Disks { get; set; } = [];
    public string StateDirectory { get; set; } = "";
    /// <summary>The node's position in the definition, from 0; breaks ties when nodes start together.</summary>
    public int Order { get; set; }

    /// <summary>Whether <paramref name="text"/> is an interconnect address as the definition takes one: host:port, an IPv6 host in brackets.</summary>
    public static bool IsInterconnectAddress(string text) => ClusterYamlValues.HostPort(text) is not null;
}
