using VolumeManager.Engine.Serialization;
using YamlDotNet.RepresentationModel;
using static VolumeManager.Engine.Serialization.YamlText;

namespace VolumeManager.Engine.Cluster;

/// <summary>The <c>nodes:</c> list of a cluster definition; names and interconnect addresses must be unique.</summary>
internal static class NodeDefinitionYaml
{
    private static readonly string[] Keys = ["name", "interconnect", "endpoint", "disks", "stateDirectory"];

    public static YamlNode Write(NodeDefinition node) => Map(
        ("name", Text(node.Name)),
        ("interconnect", Text(node.Interconnect)),
        ("endpoint", EndpointYaml.Write(node.Endpoint)),
        ("disks", Sequence(node.Disks.Select(d => (YamlNode)Text(d)!))),
        ("stateDirectory", Text(node.StateDirectory)));

    public static List<NodeDefinition> ReadAll(YamlMap cluster, BaseDirectory paths)
    {
        var items = cluster.Sequence("nodes");
        if (items.Count == 0) throw cluster.Error(cluster.Required("nodes"), $"'nodes' in {cluster.What} lists no node; at least one is needed.");
        var nodes = new List<NodeDefinition>();
        var names = new Dictionary<string, NodeDefinition>(StringComparer.Ordinal);
        var addresses = new Dictionary<string, NodeDefinition>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var map = cluster.With(item, $"node {nodes.Count + 1} of 'nodes'").AllowOnly(Keys);
            var node = Read(map, paths, nodes.Count, out var address);
            if (names.TryGetValue(node.Name, out var first))
                throw map.Error(map.Required("name"), $"duplicate node name '{node.Name}': node {first.Order + 1} has the same name.");
            if (addresses.TryGetValue(address, out var holder))
                throw map.Error(map.Required("interconnect"), $"duplicate interconnect address '{node.Interconnect}': node '{holder.Name}' already uses it.");
            names[node.Name] = node;
            addresses[address] = node;
            nodes.Add(node);
        }
        return nodes;
    }

    private static NodeDefinition Read(YamlMap map, BaseDirectory paths, int order, out string address)
    {
        var name = ClusterYamlValues.Name(map, "node");
        map = map.With(map.Node, $"node '{name}'");
        address = ClusterYamlValues.Address(map, "interconnect", out var interconnect);
        return new NodeDefinition
        {
            Name = name,
            Interconnect = interconnect,
            Endpoint = EndpointYaml.Read(map, paths),
            Disks = map.OptionalSequence("disks").Select(d => paths.Resolve(YamlValue.Text(map, d, "disks"))).ToList(),
            StateDirectory = paths.Resolve(ClusterYamlValues.NonEmpty(map, "stateDirectory")),
            Order = order,
        };
    }
}
