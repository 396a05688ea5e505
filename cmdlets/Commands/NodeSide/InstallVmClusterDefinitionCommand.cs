using System.Management.Automation;
using System.Text;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Serialization;
using VolumeManager.Transport;

namespace VolumeManager.Cmdlets.Commands.NodeSide;

/// <summary>
/// Node-side: takes in the cluster definition and key that Add-VmNode hands a new node over its remoting session, and
/// writes them where this node's agent reads them (the key owner-only, before the definition, so an agent waiting for
/// the definition finds both). A host that already holds another cluster's key or definition is refused, not taken over.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "VmClusterDefinition")]
[OutputType(typeof(string))]
public sealed class InstallVmClusterDefinitionCommand : NodeSideCmdlet
{
    /// <summary>The cluster definition (YAML) with this node in it; its keyFile is resolved against the definition's folder here.</summary>
    [Parameter(Mandatory = true)]
    public string Definition { get; set; } = "";

    /// <summary>The cluster key (32 bytes).</summary>
    [Parameter(Mandatory = true)]
    public byte[] Key { get; set; } = [];

    protected override void ProcessRecord()
    {
        var path = LocalAgent.DefinitionPath;
        var incoming = Parse(Definition, path);
        if (incoming.FindNode(LocalAgent.Node) is null)
            Refuse(ErrorIds.NodeNameMismatch, $"This host is node '{LocalAgent.Node}' (its short host name, or ${LocalAgent.NodeVariable} in its endpoint's environment), which the cluster definition handed to it does not define: add the node under that name, or set ${LocalAgent.NodeVariable}.");
        if (Key.Length != ClusterKey.Length)
            Refuse("InvalidClusterKey", $"A cluster key is {ClusterKey.Length} bytes; the one handed to node {LocalAgent.Node} is {Key.Length}.");
        if (File.Exists(path) && Parse(File.ReadAllText(path), path) is { } present && present.Id != incoming.Id)
            Refuse(ErrorIds.HostInAnotherCluster, $"Node {LocalAgent.Node}'s host already runs cluster {present.Name} ({present.Id}) from {path}; remove that definition first.");
        if (File.Exists(incoming.KeyFile) && !ClusterKey.Read(incoming.KeyFile).AsSpan().SequenceEqual(Key))
            Refuse(ErrorIds.HostInAnotherCluster, $"Node {LocalAgent.Node}'s host already holds a different cluster key at {incoming.KeyFile}; remove it first.");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ClusterKey.Write(incoming.KeyFile, Key);
        OwnerOnlyFile.Write(path, Encoding.UTF8.GetBytes(Definition));
        WriteObject(path);
    }

    private ClusterDefinition Parse(string text, string path)
    {
        try { return DefinitionFile.Parse(text, path); }
        catch (ConfigurationFormatException e) { Refuse("InvalidClusterDefinition", e.Message); throw; }
    }

    private void Refuse(string errorId, string message) =>
        ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), errorId, ErrorCategory.InvalidData, LocalAgent.Node)
        {
            ErrorDetails = new ErrorDetails(message),
        });
}
