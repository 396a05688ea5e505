using VolumeManager.Cmdlets.Commands.NodeSide;
using VolumeManager.Engine.Cluster;

namespace VolumeManager.Cmdlets.Hosting;

/// <summary>What a node's endpoint must know to reach its own agent: the node name, the control socket, the token file.</summary>
internal static class NodeEnvironment
{
    public static Dictionary<string, string> For(NodeDefinition node) => new()
    {
        [LocalAgent.NodeVariable] = node.Name,
        [LocalAgent.SocketVariable] = Path.Combine(node.StateDirectory, "vmconfigd.sock"),
        [LocalAgent.TokenVariable] = Path.Combine(node.StateDirectory, "node.token"),
        ["PSModulePath"] = ModuleLayout.ChildModulePath,
    };
}
