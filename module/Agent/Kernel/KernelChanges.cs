using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// Runs a change the kernel starts on its own (<see cref="KernelChangeRequest"/>): asks the group's coordinator for it
/// and follows the transaction until it settles on this node.
/// </summary>
public sealed class KernelChanges(Func<ControlRequest, CancellationToken, Task<ControlResponse>> submit)
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Success once <paramref name="done"/> holds on this node (the change committed, or someone else's made it true);
    /// otherwise the failure: refused by the coordinator, aborted, or not settled by <paramref name="deadline"/>.
    /// </summary>
    public async Task<ControlResponse> RunAsync(DiskGroup group, Operation operation, Func<bool> done, DateTimeOffset deadline, CancellationToken ct = default)
    {
        var request = new KernelChangeRequest { Scope = group.Shared ? TransactionScope.Shared : TransactionScope.Private, Operations = [operation] };
        ControlResponse answer;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(AnswerTimeout);
            try { answer = await submit(request, timeout.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return ControlResponse.Failure(ErrorIds.MasterChanged, "the coordinator did not answer the request."); }
        }
        if (!answer.Ok || answer.Transaction is not { } tx) return done() ? ControlResponse.Success() : answer;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (done()) return ControlResponse.Success();
            var records = await submit(new TransactionsQuery { Id = tx.Id }, ct);
            if (records.Records.FirstOrDefault() is { State: TransactionState.Aborted } aborted)
                return done() ? ControlResponse.Success() : ControlResponse.Failure(aborted.ErrorId ?? ErrorIds.TransactionAborted, aborted.Error ?? $"{tx.Id} was aborted.");
            await Task.Delay(Poll, ct);
        }
        return ControlResponse.Failure(ErrorIds.TransactionAborted, $"{tx.Id} did not settle in time.");
    }
}
