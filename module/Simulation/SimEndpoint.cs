using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Simulation;

/// <summary>
/// A node's endpoint inside the simulator: the same answers the PowerShell endpoint gives (PsEndpoint),
/// carried as control requests to the node's simulated agent.
/// </summary>
internal sealed class SimEndpoint(Simulator sim, string node) : IVmEndpoint
{
    public string Node => node;

    public async Task<ClusterView> GetViewAsync(CancellationToken ct)
    {
        var response = await sim.Request(node, new ViewQuery());
        return response.View ?? throw new EndpointException(node, response.ErrorId ?? ErrorIds.AgentNotRunning, response.Error ?? $"node {node} returned no view.");
    }

    public Task<ControlResponse> BeginAsync(BeginRequest request, CancellationToken ct) => sim.Request(node, request);

    public async Task<NodeCheckResult> CheckAsync(Transaction transaction, CancellationToken ct)
    {
        var response = await sim.Request(node, new CheckRequest { Transaction = transaction });
        return response.Check ?? NodeCheckResult.Failed(node, transaction.Id, response.ErrorId ?? ErrorIds.AgentNotRunning, response.Error ?? "no answer");
    }

    public Task<ControlResponse> CommitAsync(string transactionId, CancellationToken ct) => sim.Request(node, new CommitRequest { TransactionId = transactionId });

    public Task<ControlResponse> AbortAsync(AbortRequest request, CancellationToken ct) => sim.Request(node, request);

    public async Task<List<TransactionRecord>> GetTransactionsAsync(string? id, CancellationToken ct) =>
        (await sim.Request(node, new TransactionsQuery { Id = id })).Records;
}
