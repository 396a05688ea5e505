using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>Requests from the node's own endpoint over the control socket.</summary>
public sealed partial class NodeMachine
{
    private void OnRequest(DateTimeOffset now, long id, ControlRequest request)
    {
        if (request is RejoinRequest) { Emit(new Reply(id, Rejoin(now))); return; }
        if (Phase != NodePhase.Joined && request is not (ViewQuery or TransactionsQuery))
        {
            Emit(new Reply(id, ControlResponse.Failure(ErrorIds.AgentNotRunning, $"the agent on node {self} has not joined the cluster ({Phase}).")));
            return;
        }
        var response = request switch
        {
            ViewQuery q => View(q),
            TransactionsQuery q => Transactions(q),
            BeginRequest b => Begin(now, b),
            CheckRequest c => Check(now, Saw(c.Visible, c)),
            CommitRequest c => StartCommit(now, id, c),
            AbortRequest a => AbortFromInitiator(now, a),
            LeaveRequest => Leave(now),
            KernelChangeRequest k => KernelChange(now, id, k),
            RepairRangeRequest r => RepairRange(id, r),
            _ => ControlResponse.Failure(ErrorIds.TransactionAborted, $"unknown request {request.GetType().Name}."),
        };
        if (response is not null) Emit(new Reply(id, response));
    }

    private T Saw<T>(List<DiskInfo> disks, T value)
    {
        visible = disks;
        return value;
    }

    private ControlResponse View(ViewQuery query)
    {
        if (!query.MembersOnly) visible = query.Visible;
        var view = new ClusterView
        {
            ClusterId = Database.ClusterId, Epoch = Epoch, Master = Master ?? "", NoQuorum = NoFormingQuorumReason(), Generation = Database.Generation,
            Members = Members.Select(m => m.Clone()).ToList(),
        };
        if (!query.MembersOnly)
        {
            view.SharedHash = Serialization.DatabaseYaml.SharedHash(Database);
            view.PrivateGeneration = Database.PrivateGeneration;
            view.AgentProcessId = processId;
            view.GroupsOmitted = query.KnownGroups == view.GroupsToken;
            // A caller holding these groups already is spared their copy and transfer: at 10,000 volumes most of a change's view.
            if (!view.GroupsOmitted) view.DiskGroups = Database.All.Select(g => g.Clone()).ToList();
            view.Disks = visible.Select(d => WithAccess(d)).ToList();
        }
        if (view.Members.FirstOrDefault(m => m.Name == self) is { } me) { me.ProcessId = processId; me.Generation = Database.Generation; me.LastAbortReason = LastAbortReason; }
        return new ControlResponse { Ok = true, View = view };
    }

    private DiskInfo WithAccess(DiskInfo disk) => new()
    {
        Name = disk.Name, Id = disk.Id, Path = disk.Path, SizeBytes = disk.SizeBytes,
        DiskGroup = disk.DiskGroup, DiskGroupId = disk.DiskGroupId,
        AccessibleFrom = [self],
    };

    private ControlResponse Transactions(TransactionsQuery query) => new()
    {
        Ok = true,
        Records = Records.Where(r => query.Id is null || r.Transaction.Id == query.Id).ToList(),
    };

    private ControlResponse AbortFromInitiator(DateTimeOffset now, AbortRequest request)
    {
        if (request.Withdrawn) Withdraw(now, request);
        else if (Active?.Transaction.Id == request.TransactionId && !Active.Decided)
            Abort(now, request.Failures.FirstOrDefault()?.ErrorId ?? request.ErrorId ?? ErrorIds.TransactionAborted, request.Failures, request.Reason);
        return Outcome(request.TransactionId) ?? ControlResponse.Success();
    }

    /// <summary>
    /// A proposal this node checked that will not reach it. Its coordinator refused to open it (the request names why):
    /// the check's record ends Aborted, as the coordinator's abort notice would end it. Or it was opened without this
    /// node (the request names nothing): the check took no part in anything and is forgotten.
    /// </summary>
    private void Withdraw(DateTimeOffset now, AbortRequest request)
    {
        var id = request.TransactionId;
        if (Record(id) is not { State: TransactionState.Checking } checking || Active?.Transaction.Id == id) return;
        if (request.ErrorId is null) { Forget(id); return; }
        var refused = checking.With(TransactionState.Aborted, now);
        refused.ErrorId = request.ErrorId;
        refused.Error = request.Reason ?? $"{id} was never opened.";
        refused.FailedNodes = request.Failures.Select(f => f.Node).Distinct().ToList();
        Keep(refused, durable: false);
    }

    /// <summary>The final outcome of a transaction this node knows, as a response; null while it is open.</summary>
    private ControlResponse? Outcome(string id) => Record(id) switch
    {
        { State: TransactionState.Committed } r => new ControlResponse { Ok = true, Record = r },
        { State: TransactionState.Aborted } r => new ControlResponse
        {
            Ok = false, ErrorId = r.ErrorId, Error = r.Error, Record = r,
            Failures = r.FailedNodes.Select(n => NodeFailure.Of(n, r.ErrorId ?? ErrorIds.TransactionAborted, r.Error ?? $"{r.Transaction.Id} was aborted.")).ToList(),
        },
        _ => null,
    };

    private ControlResponse Leave(DateTimeOffset now)
    {
        if (IsMaster && Current.Count() > 1)
            return ControlResponse.Failure(ErrorIds.ClusterBusy, $"node {self} is the master; it cannot leave while other members remain.");
        if (Master is { } master && master != self) SendTo(master, new LeaveNotice());
        Phase = NodePhase.Left;
        // The membership it leaves (durable after this input): on a restart it counts itself out of the quorum.
        if (Member(self) is { } me) me.State = MemberState.Left;
        Epoch++;
        return ControlResponse.Success();
    }

    private ControlResponse Rejoin(DateTimeOffset now)
    {
        if (Phase != NodePhase.Left) return ControlResponse.Failure(ErrorIds.ClusterBusy, $"node {self} has not left the cluster ({Phase}).");
        Phase = NodePhase.Discovering;
        StartDiscovery(now);
        return ControlResponse.Success();
    }
}
