using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>The coordinator: one transaction at a time, prepare everywhere, decide, successor first, then the rest.</summary>
public sealed partial class NodeMachine
{
    private ControlResponse Begin(DateTimeOffset now, BeginRequest request)
    {
        if (request.Scope == TransactionScope.Shared && !IsMaster)
            return ControlResponse.Failure(ErrorIds.MasterChanged, $"node {self} is not the master; the master is {Master ?? "unknown"}.");
        if (Active is { } busy)
            return ControlResponse.Failure(ErrorIds.ClusterBusy, $"transaction {busy.Transaction.Id} ({busy.Transaction.Describe()}) is in progress on {self}.");
        var down = Current.Where(m => m.State == MemberState.Down).ToList();
        if (request.Scope == TransactionScope.Shared && down.Count > 0)
            return ControlResponse.Failure(ErrorIds.AgentNotRunning, "the agent is not running on " + string.Join(", ", down.Select(m => m.Name)) + ".",
                down.Select(m => NodeFailure.Of(m.Name, ErrorIds.AgentNotRunning, $"the agent on node {m.Name} is not running.")));
        var tx = NewTransaction(now, request);
        Active = new Coordination { Transaction = tx, Phase = CoordinationPhase.Open, Deadline = now + options.PrepareTimeout };
        Keep(new TransactionRecord { Transaction = tx, State = TransactionState.Proposed, Updated = now }, durable: false);
        return new ControlResponse { Ok = true, Transaction = tx };
    }

    private Transaction NewTransaction(DateTimeOffset now, BeginRequest request) => new()
    {
        Id = $"T{Database.Generation + 1:D4}-{random.Next():x8}",
        Scope = request.Scope,
        Owner = request.Scope == TransactionScope.Private ? self : null,
        BaseGeneration = Database.Generation,
        Initiator = request.Initiator,
        Coordinator = self,
        Members = request.Scope == TransactionScope.Shared ? Current.Select(m => m.Name).ToList() : [self],
        Operations = request.Operations,
        Started = now,
    };

    private ControlResponse? StartCommit(DateTimeOffset now, long requestId, CommitRequest request)
    {
        if (Active?.Transaction.Id != request.TransactionId || Active.Phase != CoordinationPhase.Open)
            return Outcome(request.TransactionId) ?? ControlResponse.Failure(ErrorIds.TransactionAborted, $"transaction {request.TransactionId} is not open on {self}.");
        var active = Active;
        active.CommitRequestId = requestId;
        if (MembershipProblem(active.Transaction) is { } problem) { Abort(now, problem.ErrorId, [problem]); return null; }
        active.Phase = CoordinationPhase.Preparing;
        active.Deadline = now + options.PrepareTimeout;
        foreach (var member in active.Transaction.Members) SendTo(member, new Prepare { Transaction = active.Transaction });
        return null;
    }

    private NodeFailure? MembershipProblem(Transaction tx)
    {
        foreach (var name in tx.Members)
        {
            var member = Member(name);
            if (member is null || member.State == MemberState.Left)
                return NodeFailure.Of(name, ErrorIds.NodeLeft, $"node {name} left the cluster during the change.");
            if (member.State == MemberState.Down)
                return NodeFailure.Of(name, ErrorIds.AgentWentAway, $"the agent on node {name} went away during the change.");
        }
        return null;
    }

    private void OnPrepared(DateTimeOffset now, Prepared prepared)
    {
        if (Active is not { Phase: CoordinationPhase.Preparing } active || active.Transaction.Id != prepared.TransactionId) return;
        if (!prepared.Ok)
        {
            var failure = NodeFailure.Of(prepared.From, prepared.ErrorId ?? ErrorIds.TransactionAborted, prepared.Reason ?? $"node {prepared.From} refused to prepare.");
            Abort(now, failure.ErrorId, [failure]);
            return;
        }
        active.Prepared.Add(prepared.From);
        if (active.Transaction.Members.All(active.Prepared.Contains)) Decide(now, active);
    }

    private void Decide(DateTimeOffset now, Coordination active)
    {
        var record = Record(active.Transaction.Id)!.With(TransactionState.Prepared, now);
        record.Decided = true;
        Keep(record, durable: true);
        active.Before = Database;
        active.Successor = active.Transaction.Members.Where(m => m != self).Select(Member).OfType<MemberInfo>()
            .Where(m => m.State == MemberState.Joined).OrderBy(m => m.Rank).FirstOrDefault()?.Name;
        Log($"decided to commit {active.Transaction.Id}; notifying {(active.Successor ?? "no successor")} first");
        if (active.Successor is null) NotifyRest(active);
        else
        {
            active.Phase = CoordinationPhase.NotifyingSuccessor;
            SendTo(active.Successor, new CommitNotice { TransactionId = active.Transaction.Id });
        }
    }

    private void NotifyRest(Coordination active)
    {
        active.Phase = CoordinationPhase.NotifyingRest;
        foreach (var member in active.Transaction.Members.Where(m => m != active.Successor && IsReachable(m)))
            SendTo(member, new CommitNotice { TransactionId = active.Transaction.Id });
    }

    private bool IsReachable(string node) => node == self || Member(node) is { State: MemberState.Joined };

    private void OnCommitAck(DateTimeOffset now, CommitAck ack)
    {
        if (Active is not { Decided: true } active || active.Transaction.Id != ack.TransactionId) return;
        active.Acknowledged.Add(ack.From);
        if (active.Phase == CoordinationPhase.NotifyingSuccessor && ack.From == active.Successor) NotifyRest(active);
        else if (active.Phase == CoordinationPhase.NotifyingRest) FinishIfAcknowledged(now, active);
    }

    private void FinishIfAcknowledged(DateTimeOffset now, Coordination active)
    {
        if (!active.Transaction.Members.Where(IsReachable).All(active.Acknowledged.Contains)) return;
        var tx = active.Transaction;
        var record = Record(tx.Id)!;
        Emit(new WriteDiskCopies(active.Before ?? Database, Database, tx.DiskGroups.ToList()));
        Reply(active.CommitRequestId, new ControlResponse { Ok = true, Record = record });
        Active = null;
        AdmitPendingJoins(now);
    }

    private void Abort(DateTimeOffset now, string errorId, List<NodeFailure> failures)
    {
        if (Active is not { } active || active.Decided) return;
        var tx = active.Transaction;
        var reason = string.Join(" ", failures.Select(f => f.Reason));
        var failed = failures.Select(f => f.Node).Distinct().ToList();
        if (Record(tx.Id) is null) Keep(new TransactionRecord { Transaction = tx, State = TransactionState.Proposed, Updated = now }, durable: false);
        AbortLocally(now, tx.Id, errorId, reason, failed);
        var notice = new AbortNotice { TransactionId = tx.Id, ErrorId = errorId, Reason = reason, FailedNodes = failed };
        foreach (var member in tx.Members.Where(m => m != self && IsReachable(m))) SendTo(member, notice);
        Log($"aborted {tx.Id}: {reason}");
        Reply(active.CommitRequestId, ControlResponse.Failure(errorId, reason, failures));
        Active = null;
        AdmitPendingJoins(now);
    }

    private void Reply(long? requestId, ControlResponse response)
    {
        if (requestId is { } id) Emit(new Reply(id, response));
    }

    private void OnMemberGone(DateTimeOffset now, string node, string errorId, string reason)
    {
        if (Active is not { } active || !active.Transaction.Members.Contains(node)) return;
        if (!active.Decided) { Abort(now, errorId, [NodeFailure.Of(node, errorId, reason)]); return; }
        if (active.Phase == CoordinationPhase.NotifyingSuccessor && node == active.Successor) NotifyRest(active);
        else if (active.Phase == CoordinationPhase.NotifyingRest) FinishIfAcknowledged(now, active);
    }

    private void CoordinatorTick(DateTimeOffset now)
    {
        if (Active is not { } active || now < active.Deadline) return;
        if (active.Phase == CoordinationPhase.Preparing)
        {
            var silent = active.Transaction.Members.Where(m => !active.Prepared.Contains(m))
                .Select(m => NodeFailure.Of(m, ErrorIds.AgentWentAway, $"node {m} did not answer prepare within {options.PrepareTimeout.TotalSeconds:0.#} s.")).ToList();
            Abort(now, ErrorIds.AgentWentAway, silent);
        }
        else if (active.Phase == CoordinationPhase.Open && active.CommitRequestId is null && now >= active.Deadline + options.PrepareTimeout)
            Abort(now, ErrorIds.TransactionAborted, [NodeFailure.Of(active.Transaction.Initiator, ErrorIds.TransactionAborted, $"the initiator of {active.Transaction.Id} never asked to commit it.")]);
    }

    /// <summary>A new master settles the old master's transaction: complete it if this node was told to commit, else abort it.</summary>
    private void ResolveInDoubt(DateTimeOffset now, string oldMaster)
    {
        foreach (var record in Records.Where(r => !r.IsFinal && r.Transaction.Coordinator == oldMaster).ToList())
        {
            var tx = record.Transaction;
            var reason = $"master {oldMaster} left before it told {self} to commit {tx.Id}.";
            foreach (var member in Others) SendTo(member, new AbortNotice { TransactionId = tx.Id, ErrorId = ErrorIds.MasterChanged, Reason = reason, FailedNodes = [oldMaster] });
            AbortLocally(now, tx.Id, ErrorIds.MasterChanged, reason, [oldMaster]);
        }
        if (Records.LastOrDefault(r => r.State == TransactionState.Committed && r.Transaction.Coordinator == oldMaster) is { } last)
            foreach (var member in Others) SendTo(member, new CommitNotice { TransactionId = last.Transaction.Id, Transaction = last.Transaction });
    }
}
