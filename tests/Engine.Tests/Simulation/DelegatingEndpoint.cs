using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>A node's endpoint passed through unchanged; a schedule test overrides the one call it steps into.</summary>
internal abstract class DelegatingEndpoint(IVmEndpoint inner) : IVmEndpoint
{
    protected IVmEndpoint Inner => inner;
    public string Node => inner.Node;
    public virtual Task<ClusterView> GetViewAsync(CancellationToken ct) => inner.GetViewAsync(ct);
    public virtual Task<ControlResponse> BeginAsync(BeginRequest request, CancellationToken ct) => inner.BeginAsync(request, ct);
    public virtual Task<NodeCheckResult> CheckAsync(Transaction transaction, CancellationToken ct) => inner.CheckAsync(transaction, ct);
    public virtual Task<ControlResponse> CommitAsync(string transactionId, CancellationToken ct) => inner.CommitAsync(transactionId, ct);
    public virtual Task<ControlResponse> AbortAsync(AbortRequest request, CancellationToken ct) => inner.AbortAsync(request, ct);
    public virtual Task<List<TransactionRecord>> GetTransactionsAsync(string? id, CancellationToken ct) => inner.GetTransactionsAsync(id, ct);
}
