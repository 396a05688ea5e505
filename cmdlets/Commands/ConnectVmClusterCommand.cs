using System.Management.Automation;
using System.Management.Automation.Runspaces;
using VolumeManager.Cmdlets.Hosting;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Cmdlets.Remoting;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Cluster;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Opens (or adopts) one endpoint session per node; returns the cluster and makes it the default.</summary>
[Cmdlet(VerbsCommunications.Connect, "VmCluster", DefaultParameterSetName = "Path")]
[OutputType(typeof(VmCluster))]
public sealed class ConnectVmClusterCommand : VmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path")]
    public string Path { get; set; } = "";

    /// <summary>Sessions the user already opened, one per node, in the order of the definition's nodes (or named after the nodes).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Session")]
    public PSSession[] Session { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = "Session")]
    public string DefinitionPath { get; set; } = "";

    protected override void ProcessRecord()
    {
        var definition = DefinitionFile.Load(ParameterSetName == "Path" ? Path : DefinitionPath, this);
        try
        {
            var cluster = ParameterSetName == "Path"
                ? Await(ct => ClusterConnector.ConnectAsync(definition, "Definition", this, ct))
                : Adopt(definition);
            DefaultCluster = cluster;
            WriteObject(cluster);
        }
        catch (Endpoints.EndpointOpenException e) when (e.ErrorId == ErrorIds.HostKeyChanged)
        {
            throw Terminate(e, e.ErrorId, ErrorCategory.SecurityError, e.Node);
        }
        catch (Exception e) when (e is Endpoints.EndpointOpenException or Engine.Initiation.EndpointException)
        {
            throw Terminate(e, ErrorIds.EndpointUnreachable, ErrorCategory.ConnectionError, definition.Name);
        }
    }

    private VmCluster Adopt(ClusterDefinition definition)
    {
        var connection = new ClusterConnection(definition, definition.Nodes.OrderBy(n => n.Order).First().Name);
        for (var i = 0; i < definition.Nodes.Count && i < Session.Length; i++)
        {
            var node = definition.Nodes.FirstOrDefault(n => n.Name == Session[i].Name) ?? definition.Nodes[i];
            connection.Add(node.Name, Session[i], null);
        }
        var cluster = new VmCluster { Name = definition.Name, Id = definition.Id, LocalNode = connection.LocalNode, Path = definition.SourcePath, Transport = "Session", Connection = connection };
        ClusterFacts.Refresh(cluster, Await(ct => connection.ViewAsync(null, ct)));
        return cluster;
    }
}
