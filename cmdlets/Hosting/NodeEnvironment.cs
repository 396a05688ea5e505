using VolumeManager.Cmdlets.Commands.NodeSide;
using VolumeManager.Cmdlets.Endpoints;
using VolumeManager.Engine.Cluster;

namespace VolumeManager.Cmdlets.Hosting;

/// <summary>What a node's endpoint must know to reach its own agent.</summary>
internal static class NodeEnvironment
{
    /// <summary>The node name, the control socket and the token file, named outright (a local child pwsh endpoint).</summary>
    public static Dictionary<string, string> For(NodeDefinition node)
    {
        var files = new StateFiles(node.StateDirectory);
        return WithRuntime(new()
        {
            [LocalAgent.NodeVariable] = node.Name,
            [LocalAgent.SocketVariable] = files.Socket,
            [LocalAgent.TokenVariable] = files.Token,
            ["PSModulePath"] = ModuleLayout.ChildModulePath,
        });
    }

    /// <summary>
    /// As on an installed host: the endpoint finds its agent through the cluster definition the agent runs with. Only
    /// the node's name and the definition's path are given, because one machine holds all of a test cluster's nodes
    /// (a real host needs neither: /etc/volumemanager/cluster.yaml and its short name).
    /// </summary>
    public static Dictionary<string, string> Installed(NodeDefinition node, string definitionPath) => WithRuntime(new()
    {
        [LocalAgent.NodeVariable] = node.Name,
        [LocalAgent.DefinitionVariable] = definitionPath,
        ["PSModulePath"] = ModuleLayout.ChildModulePath,
    });

    private static Dictionary<string, string> WithRuntime(Dictionary<string, string> settings)
    {
        foreach (var (name, value) in EndpointRuntime.Variables) settings[name] = value;
        return settings;
    }
}
