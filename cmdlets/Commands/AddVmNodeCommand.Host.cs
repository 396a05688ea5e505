using System.Management.Automation;
using System.Text;
using VolumeManager.Cmdlets.Hosting;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Operations;
using VolumeManager.Transport;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// A new node on a host of its own: the host is installed already (module, sshd's powershell subsystem, the agent's
/// unit), and its agent waits for a cluster definition. Its endpoint is opened first, so a host that cannot be reached
/// changes nothing; it is handed the cluster's definition with itself in it and the cluster key over that session; the
/// AddNode transaction commits; its agent, which found the definition, joins.
/// </summary>
public sealed partial class AddVmNodeCommand
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(60);

    /// <summary>(A new node on its own host) its PowerShell endpoint: ssh://[user@]host[:port].</summary>
    [Parameter]
    public string? Endpoint { get; set; }

    /// <summary>(A new node on its own host) its agent's interconnect address: host:port.</summary>
    [Parameter]
    public string? Address { get; set; }

    /// <summary>(A new node on its own host) the device paths or globs of the disks it opens; the first node's when omitted.</summary>
    [Parameter]
    public string[]? DiskPath { get; set; }

    /// <summary>(A new node on its own host) its agent's state directory; the first node's when omitted.</summary>
    [Parameter]
    public string? StateDirectory { get; set; }

    private void AddOnItsHost()
    {
        var node = PlanHost();
        if (!CheckOnly && !ShouldProcess($"node {Name} at {node.Endpoint} of cluster {TargetCluster.Name}", "Hand it the cluster's definition and key, add it and wait for it to join")) return;
        var endpoint = ClusterConnector.Open(node);
        var committed = false;
        try
        {
            var session = Await(ct => endpoint.OpenAsync(this, ct));
            var installed = CheckOnly ? null : Await(ct => new Remoting.PsEndpoint(Name, session).InstallDefinitionAsync(HandedDefinition(node), ClusterKey.Read(Connection.Definition.KeyFile), ct));
            if (installed is not null) WriteVerbose($"node {Name}: the cluster's definition and key are in {installed}.");
            if (RunChange(Propose(null, new AddNode { Node = node }), Name) is null) { endpoint.Dispose(); return; }
            committed = true;
            Connection.Definition.Nodes.Add(node);
            Connection.Add(Name, session, endpoint);
        }
        catch (Exception e) when (e is not PipelineStoppedException && !committed)
        {
            endpoint.Dispose();
            throw Terminate(e, e is Endpoints.EndpointOpenException open ? open.ErrorId : e is Engine.Initiation.EndpointException failed ? failed.ErrorId : ErrorIds.EndpointUnreachable,
                ErrorCategory.OpenError, Name);
        }
        RememberInAdministratorsDefinition();
        if (Await(WaitJoinedAsync)) WriteNode();
        else WriteError(new ErrorRecord(new TimeoutException($"node {Name} is in cluster {TargetCluster.Name} but its agent has not joined in {JoinTimeout.TotalSeconds:0} s: start it on its host (systemctl enable --now vmconfigd)."),
            ErrorIds.AgentNotRunning, ErrorCategory.OperationTimeout, Name));
    }

    /// <summary>The new node's definition, from the parameters; what they leave out is the first node's (hosts of one cluster are installed alike).</summary>
    private NodeDefinition PlanHost()
    {
        if (Endpoint is null || Address is null)
            throw Terminate(new ArgumentException($"Node {Name} is new to cluster {TargetCluster.Name}, which is not a local cluster: give its PowerShell endpoint (-Endpoint ssh://user@host:22) and its agent's interconnect address (-Address host:port)."),
                ErrorIds.NodeAddressMissing, ErrorCategory.InvalidArgument, Name);
        var endpoint = EndpointDefinition.Parse(Endpoint) ?? throw Terminate(
            new ArgumentException($"-Endpoint '{Endpoint}' is not a PowerShell endpoint: write ssh://[user@]host[:port] (or wsman://computer)."), "InvalidEndpoint", ErrorCategory.InvalidArgument, Endpoint);
        if (!NodeDefinition.IsInterconnectAddress(Address))
            throw Terminate(new ArgumentException($"-Address '{Address}' is not host:port (a port from 1 to 65535; an IPv6 host in brackets)."), "InvalidAddress", ErrorCategory.InvalidArgument, Address);
        var first = Connection.Definition.Nodes[0];
        endpoint.KeyFile ??= Connection.Definition.Nodes.Select(n => n.Endpoint.KeyFile).FirstOrDefault(k => k is not null);
        return new NodeDefinition
        {
            Name = Name, Interconnect = Address, Endpoint = endpoint, Disks = DiskPath?.ToList() ?? [.. first.Disks],
            StateDirectory = StateDirectory ?? first.StateDirectory, Order = Connection.Definition.Nodes.Count,
        };
    }

    /// <summary>The cluster's definition with the new node in it, the key beside the definition on the node's host (it is written there, owner-only).</summary>
    private string HandedDefinition(NodeDefinition node)
    {
        var copy = ClusterDefinitionYaml.Parse(ClusterDefinitionYaml.Write(Connection.Definition), "the handed definition");
        copy.KeyFile = "cluster.key";
        copy.Nodes.Add(node);
        return ClusterDefinitionYaml.Write(copy);
    }

    /// <summary>The administrator's own copy of the definition learns the node too, so the next Connect-VmCluster -Path reaches it.</summary>
    private void RememberInAdministratorsDefinition()
    {
        if (Connection.Definition.SourcePath is not { } path || !File.Exists(path)) return;
        var onDisk = DefinitionFile.Read(path);
        if (onDisk.FindNode(Name) is not null) return;   // an agent on this host wrote it already
        onDisk.Nodes.Add(Connection.Definition.FindNode(Name)!);
        File.WriteAllText(path, ClusterDefinitionYaml.Write(onDisk), new UTF8Encoding(false));
    }

    private async Task<bool> WaitJoinedAsync(CancellationToken ct)
    {
        var until = DateTime.UtcNow + JoinTimeout;
        while (DateTime.UtcNow < until)
        {
            try
            {
                var view = await Connection.ViewAsync(null, ct);
                if (view.Members.Any(m => m.Name == Name && m.State == Engine.Model.MemberState.Joined)) return true;
            }
            catch (Engine.Initiation.EndpointException) { }   // a node busy or away meanwhile: asked again
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
        return false;
    }
}
