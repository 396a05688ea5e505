using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Initiation;

/// <summary>One node's endpoint as the initiator sees it: PowerShell remoting in the cmdlets, a direct call in the simulator.</summary>
public interface IVmEndpoint
{
    string Node { get; }
    Task<ClusterView> GetViewAsync(CancellationToken ct);
    Task<ControlResponse> BeginAsync(BeginRequest request, CancellationToken ct);
    Task<NodeCheckResult> CheckAsync(Transaction transaction, CancellationToken ct);
    Task<ControlResponse> CommitAsync(string transactionId, CancellationToken ct);
    Task<ControlResponse> AbortAsync(AbortRequest request, CancellationToken ct);
    Task<List<TransactionRecord>> GetTransactionsAsync(string? id, CancellationToken ct);
}

/// <summary>An endpoint could not be reached, or its agent could not: the error id says which.</summary>
public sealed class EndpointException(string node, string errorId, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Node { get; } = node;
    public string ErrorId { get; } = errorId;
}
