using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Runspaces;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Cmdlets.Remoting;

/// <summary>A node's endpoint over a PowerShell remoting session: node-side commands invoked with their arguments as data.</summary>
internal sealed class PsEndpoint(string node, PSSession session) : IVmEndpoint
{
    private readonly SemaphoreSlim oneAtATime = new(1, 1);

    public string Node { get; } = node;
    public PSSession Session { get; } = session;

    public void Close()
    {
        try { Session.Runspace.Close(); } catch (Exception) { }
        Session.Runspace.Dispose();
    }

    /// <summary>
    /// The node's disk groups as this endpoint last read them (and changed them by the transactions it saw commit since),
    /// named as the node names them (see <see cref="ViewQuery.KnownGroups"/>). The group objects are shared with every
    /// view handed out and never changed in place: a change copies what it changes (<see cref="DiskGroup.CopyForChange()"/>),
    /// and the output objects are made from them, not wrapped around them.
    /// </summary>
    private sealed record HeldGroups(int AgentProcessId, long Generation, long PrivateGeneration, List<DiskGroup> Groups)
    {
        public string Token => ClusterView.GroupsTokenOf(AgentProcessId, Generation, PrivateGeneration);
    }

    private volatile HeldGroups? held;

    /// <summary>The node's view; its disk groups cross the session only when they are not the ones this endpoint holds.</summary>
    public async Task<ClusterView> GetViewAsync(CancellationToken ct)
    {
        var known = held;
        var view = await ViewAsync(new ViewQuery { KnownGroups = known?.Token }, ct);
        if (view.GroupsOmitted && known is not null && known.Token == view.GroupsToken) view.DiskGroups = [.. known.Groups];
        else if (view.GroupsOmitted) view = await ViewAsync(new ViewQuery(), ct);
        else if (view.GroupsToken.Length > 0) held = new HeldGroups(view.AgentProcessId, view.Generation, view.PrivateGeneration, [.. view.DiskGroups]);
        return view;
    }

    /// <summary>
    /// A transaction committed: the groups held are changed as the node changed its own, when they are what it changed
    /// (the next view then needs none of them); else they are let go.
    /// </summary>
    public void Committed(Transaction tx)
    {
        if (held is not { } known) return;
        var applies = tx.Scope == TransactionScope.Shared ? tx.BaseGeneration == known.Generation : tx.Owner == Node;
        if (!applies) { held = null; return; }
        var before = new NodeDatabase
        {
            Generation = known.Generation, PrivateGeneration = known.PrivateGeneration,
            Shared = known.Groups.Where(g => g.Shared).ToList(), Private = known.Groups.Where(g => !g.Shared).ToList(),
        };
        var after = tx.ApplyTo(before, Node);
        held = new HeldGroups(known.AgentProcessId, after.Generation, after.PrivateGeneration, [.. after.All]);
    }

    /// <summary>The node's own generation and membership only (see <see cref="ViewQuery.MembersOnly"/>).</summary>
    public Task<ClusterView> GetMembershipAsync(CancellationToken ct) => ViewAsync(new ViewQuery { MembersOnly = true }, ct);

    private async Task<ClusterView> ViewAsync(ViewQuery query, CancellationToken ct)
    {
        var response = await RequestAsync(query, ct);
        return response.View ?? throw new EndpointException(Node, response.ErrorId ?? ErrorIds.AgentNotRunning, response.Error ?? $"node {Node} returned no view.");
    }

    public Task<ControlResponse> BeginAsync(BeginRequest request, CancellationToken ct) => RequestAsync(request, ct);

    public Task<ControlResponse> AbortAsync(AbortRequest request, CancellationToken ct) => RequestAsync(request, ct);

    public async Task<List<TransactionRecord>> GetTransactionsAsync(string? id, CancellationToken ct) =>
        (await RequestAsync(new TransactionsQuery { Id = id }, ct)).Records;

    public async Task<NodeCheckResult> CheckAsync(Transaction transaction, CancellationToken ct)
    {
        var output = await InvokeAsync("Test-VmProposal", new() { ["Transaction"] = WireJson.SerializeToString(transaction), ["Raw"] = true }, ct);
        return output.Single().BaseObject is string json ? WireJson.Deserialize<NodeCheckResult>(json) : ObjectMapper.FromObject(ToCheckResult(output.Single()));
    }

    public async Task<ControlResponse> CommitAsync(string transactionId, CancellationToken ct)
    {
        var output = await InvokeAsync("Invoke-VmKernelCommit", new() { ["TransactionId"] = transactionId, ["Raw"] = true }, ct);
        return WireJson.Deserialize<ControlResponse>((string)output.Single().BaseObject);
    }

    /// <summary>Hands a new node its cluster definition (YAML) and key; the path the node wrote the definition to.</summary>
    public async Task<string> InstallDefinitionAsync(string definition, byte[] key, CancellationToken ct) =>
        (string)(await InvokeAsync("Install-VmClusterDefinition", new() { ["Definition"] = definition, ["Key"] = key }, ct)).Single().BaseObject;

    public async Task<ControlResponse> RequestAsync(ControlRequest request, CancellationToken ct)
    {
        var output = await InvokeAsync("Invoke-VmAgentRequest", new() { ["Request"] = WireJson.SerializeToString(request) }, ct);
        return WireJson.Deserialize<ControlResponse>((string)output.Single().BaseObject);
    }

    private async Task<List<PSObject>> InvokeAsync(string command, Dictionary<string, object> parameters, CancellationToken ct)
    {
        await oneAtATime.WaitAsync(ct);
        try
        {
            using var ps = PowerShell.Create();
            ps.Runspace = Session.Runspace;
            ps.AddCommand(command).AddParameters((IDictionary)parameters);
            using var stop = ct.Register(() => ps.BeginStop(null, null));
            var output = await ps.InvokeAsync();
            if (ps.Streams.Error.Count > 0) throw Failure(ps.Streams.Error[0]);
            if (output.Count == 0) throw new EndpointException(Node, ErrorIds.EndpointUnreachable, $"node {Node}: {command} returned nothing.");
            return [.. output];
        }
        // Stopped by the administrator (Ctrl+C, Stop-Job): the node did nothing wrong, so the initiator sees a stop, not a failing node.
        catch (Exception e) when (ct.IsCancellationRequested && e is not OperationCanceledException)
        {
            throw new OperationCanceledException($"{command} on node {Node} was stopped.", e, ct);
        }
        catch (Exception e) when (e is PSRemotingTransportException or PSInvalidOperationException or InvalidRunspaceStateException)
        {
            throw new EndpointException(Node, ErrorIds.EndpointUnreachable, $"node {Node}: the endpoint cannot be reached ({e.Message}).", e);
        }
        catch (RuntimeException e)
        {
            throw Failure(e.ErrorRecord);
        }
        finally { oneAtATime.Release(); }
    }

    private EndpointException Failure(ErrorRecord error)
    {
        var id = error.FullyQualifiedErrorId.Split(',')[0];
        var known = id is ErrorIds.AgentNotRunning or ErrorIds.EndpointUnreachable or ErrorIds.HostInAnotherCluster or ErrorIds.NodeNameMismatch
            ? id : ErrorIds.EndpointUnreachable;
        var message = error.ErrorDetails?.Message ?? error.Exception?.Message ?? id;
        return new EndpointException(Node, known, message.StartsWith("node ") ? message : $"node {Node}: {message}");
    }

    private static VmNodeCheckResult ToCheckResult(PSObject output) => output.BaseObject as VmNodeCheckResult ?? new VmNodeCheckResult
    {
        Node = (string)output.Properties["Node"].Value,
        TransactionId = (string)output.Properties["TransactionId"].Value,
        Passed = (bool)output.Properties["Passed"].Value,
        Message = (string)output.Properties["Message"].Value,
        Checks = Items(output.Properties["Checks"].Value).Select(c => new VmCheck
        {
            Name = (string)c.Properties["Name"].Value,
            Passed = (bool)c.Properties["Passed"].Value,
            Message = (string)c.Properties["Message"].Value,
        }).ToArray(),
    };

    private static IEnumerable<PSObject> Items(object? value) => value switch
    {
        PSObject { BaseObject: IEnumerable items } => items.Cast<object>().Select(PSObject.AsPSObject),
        IEnumerable items => items.Cast<object>().Select(PSObject.AsPSObject),
        _ => [],
    };
}
