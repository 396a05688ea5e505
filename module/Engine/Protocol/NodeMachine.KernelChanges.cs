using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// Changes a node's kernel starts on its own (a plex detach after a disk error, a resynced plex made Active): opened
/// and committed at the group's coordinator with no check round from outside — every member runs the same checks at
/// prepare — so they follow the same quiesce, decision and failure contract as an administrator's change.
/// </summary>
public sealed partial class NodeMachine
{
    private ControlResponse? KernelChange(DateTimeOffset now, long id, KernelChangeRequest request)
    {
        if (request.Scope == TransactionScope.Private || IsMaster) return OpenKernelChange(now, self, request.Scope, request.Operations);
        if (Master is not { } master || !IsReachable(master))
            return ControlResponse.Failure(ErrorIds.MasterChanged, $"node {self} has no master to ask for the change now.");
        SendTo(master, new KernelChangeProposal { Ref = id, Operations = request.Operations });
        return null;
    }

    private void OnKernelChangeProposal(DateTimeOffset now, KernelChangeProposal proposal)
    {
        var started = IsMaster
            ? OpenKernelChange(now, proposal.From, TransactionScope.Shared, proposal.Operations)
            : ControlResponse.Failure(ErrorIds.MasterChanged, $"node {self} is not the master; the master is {Master ?? "unknown"}.");
        SendTo(proposal.From, new KernelChangeAnswer
        {
            Ref = proposal.Ref, Ok = started.Ok, TransactionId = started.Transaction?.Id, ErrorId = started.ErrorId, Error = started.Error,
        });
    }

    private void OnKernelChangeAnswer(KernelChangeAnswer answer) => Emit(new Reply(answer.Ref, answer.Ok
        ? new ControlResponse { Ok = true, Transaction = answer.TransactionId is { } tx ? new Transaction { Id = tx } : null }
        : ControlResponse.Failure(answer.ErrorId ?? ErrorIds.TransactionAborted, answer.Error ?? "the master refused the change.")));

    /// <summary>Opens the transaction and asks its members to prepare at once; the outcome reaches the asker as any member's does.</summary>
    private ControlResponse OpenKernelChange(DateTimeOffset now, string initiator, TransactionScope scope, List<Operations.Operation> operations)
    {
        var begin = Begin(now, new BeginRequest { Scope = scope, Owner = scope == TransactionScope.Private ? self : null, Initiator = initiator, Operations = operations });
        if (!begin.Ok || begin.Transaction is not { } tx) return begin;
        StartCommit(now, null, new CommitRequest { TransactionId = tx.Id });
        return begin;
    }
}
