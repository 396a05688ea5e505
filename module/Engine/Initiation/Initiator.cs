using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Initiation;

/// <summary>
/// The initiating side of a reconfiguration: local checks, begin at the coordinator, propose to every
/// member in parallel, abort or start the commit, and report each failing node.
/// </summary>
/// <param name="time">The clock and timers of the waits (the simulator passes its own, so a seed replays exactly); the system's by default.</param>
public sealed class Initiator(IReadOnlyDictionary<string, IVmEndpoint> endpoints, Func<Guid> newId, IInitiatorProgress? progress = null,
    TimeSpan? outcomeTimeout = null, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public async Task<ChangeOutcome> RunAsync(Proposal proposal, CancellationToken ct)
    {
        progress?.Stage(ChangeStage.LocalCheck, $"checking on {proposal.Node}");
        var view = proposal.View ?? await ViewAsync(proposal, ct);
        Resolve(view, proposal.Operations);
        var local = proposal.Operations.SelectMany(op => LocalChecks.Run(view, op)).ToList();
        if (local.Any(c => !c.Passed)) return LocalFailure(proposal.Node, local);

        if (proposal.Scope == TransactionScope.Shared && string.IsNullOrEmpty(view.Master))
            return Failed(ChangeStage.Begin, null, [], [NoMaster(proposal.Node, view)]);
        var coordinator = Endpoint(proposal.Scope == TransactionScope.Shared ? view.Master : proposal.Node);
        // The first check round goes out with the begin: the others check the transaction as the view foretells it
        // while the coordinator opens it and checks it too, in the same call.
        var draft = Draft(view, proposal, coordinator.Node);
        progress?.Stage(ChangeStage.Begin, $"opening {draft.Id} on {coordinator.Node}");
        progress?.Checking(draft.Members);
        var round = StartRound(draft, draft.Members.Where(m => m != coordinator.Node), ct);
        var begun = await BeginAsync(coordinator, proposal, draft.Id, ct);
        if (!begun.Ok)
        {
            // Whoever checked it closes its record with the refusal (a coordinator that recorded the refusal also tells them).
            await WithdrawAsync(round, new AbortRequest
            {
                TransactionId = draft.Id, Withdrawn = true, ErrorId = begun.ErrorId ?? ErrorIds.TransactionAborted, Reason = begun.Error, Failures = begun.Failures,
            }, _ => true);
            return Failed(ChangeStage.Begin, null, [], Failures(begun, coordinator.Node));
        }
        var open = new OpenChange(begun.Transaction!);
        if (!Foretold(draft, open.Transaction)) round = await RestartAsync(round, draft, open.Transaction, ct);
        // The coordinator checked what it opened; without an answer (an agent that only begins) it is asked with the rest.
        if (begun.Check is { } own) round.Add(coordinator.Node, Task.FromResult(Answered(own)));
        try { return await CheckAndCommitAsync(coordinator, proposal, open, round, ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && !open.Committing)
        {
            // Stopped (Ctrl+C, Stop-Job) before the commit was asked for: nothing was prepared, so the slot is freed now.
            await AbortStoppedAsync(coordinator, open.Transaction, proposal.Initiator);
            throw;
        }
    }

    /// <summary>The transaction as the view says the coordinator will open it: its members, base generation and an id of the initiator's.</summary>
    private Transaction Draft(ClusterView view, Proposal proposal, string coordinator) => new()
    {
        Id = $"T{view.Generation + 1:D4}-{newId().ToString("N")[..8]}",
        Scope = proposal.Scope,
        Owner = proposal.Scope == TransactionScope.Private ? proposal.Node : null,
        BaseGeneration = view.Generation,
        Initiator = proposal.Initiator,
        Coordinator = coordinator,
        Members = proposal.Scope == TransactionScope.Shared ? view.ActiveMembers.Select(m => m.Name).ToList() : [proposal.Node],
        Operations = proposal.Operations,
        Started = clock.GetUtcNow(),
    };

    /// <summary>Whether the checks of the draft hold for the opened transaction: the same id, base generation and members.</summary>
    private static bool Foretold(Transaction draft, Transaction opened) =>
        opened.Id == draft.Id && opened.BaseGeneration == draft.BaseGeneration && opened.Members.ToHashSet().SetEquals(draft.Members);

    /// <summary>The coordinator opened something else than the view foretold (a membership or generation changed meanwhile): its members are checked again.</summary>
    private async Task<CheckRound> RestartAsync(CheckRound round, Transaction draft, Transaction opened, CancellationToken ct)
    {
        progress?.Stage(ChangeStage.NodeCheck, $"{opened.Id} was opened at generation {opened.BaseGeneration} with {string.Join(", ", opened.Members)}; checking again");
        // Whoever checked the draft and is not a member of what was opened forgets that check.
        await WithdrawAsync(round, new AbortRequest { TransactionId = draft.Id, Withdrawn = true }, node => opened.Id != draft.Id || !opened.Members.Contains(node));
        progress?.Checking(opened.Members);
        return StartRound(opened, [], ct);
    }

    /// <summary>The transaction as it stands (joins restart its checks with more members), and whether the coordinator owns its commit.</summary>
    private sealed class OpenChange(Transaction transaction)
    {
        public Transaction Transaction { get; set; } = transaction;
        public bool Committing { get; set; }
    }

    private async Task<ChangeOutcome> CheckAndCommitAsync(IVmEndpoint coordinator, Proposal proposal, OpenChange open, CheckRound first, CancellationToken ct)
    {
        var round = first;
        for (var restart = 0; ; restart++)
        {
            var tx = open.Transaction;
            progress?.Stage(ChangeStage.NodeCheck, $"{(restart == 0 ? "proposing " + tx.Id + " to" : "a node joined; checking " + tx.Id + " again on")} {string.Join(", ", tx.Members)}");
            List<NodeCheckResult> checks;
            using (round) checks = await CheckAllAsync(coordinator, tx, round, ct);
            var failures = checks.Where(c => !c.Passed).Select(AsFailure).ToList();
            if (failures.Count > 0 || proposal.CheckOnly)
            {
                await AbortQuietlyAsync(coordinator, tx, failures, proposal.CheckOnly);
                return Failed(ChangeStage.NodeCheck, tx, checks, failures, succeeded: failures.Count == 0);
            }
            var committed = await CommitAsync(coordinator, open, ct);
            // A node joined before prepare: it is now a member, and the checks run again on every member.
            if (committed is { Ok: false, ErrorId: Coordination.ChecksRestartedErrorId, Transaction: { } grown } && restart < MaxCheckRestarts)
            {
                open.Transaction = grown;
                progress?.Checking(grown.Members);
                round = StartRound(grown, [], ct);
                continue;
            }
            if (committed.Ok) return new ChangeOutcome { Succeeded = true, Stage = ChangeStage.Done, Transaction = tx, Record = committed.Record, Checks = checks };
            if (committed.Record is null && IsUnreachable(committed) && committed.Failures.All(f => f.Node == coordinator.Node))
                return await OutcomeAfterMasterLossAsync(tx, checks, coordinator.Node, ct);
            return Failed(ChangeStage.Commit, tx, checks, Failures(committed, coordinator.Node));
        }
    }

    /// <summary>
    /// Asks the coordinator to commit. While the call is out the commit is the coordinator's: a stop then ends only
    /// the wait, and the coordinator finishes (as when the initiating shell dies). A restart of the checks gives it back.
    /// </summary>
    private async Task<ControlResponse> CommitAsync(IVmEndpoint coordinator, OpenChange open, CancellationToken ct)
    {
        progress?.Stage(ChangeStage.Commit, $"committing {open.Transaction.Id} on {coordinator.Node}");
        open.Committing = true;
        var committed = await CallAsync(coordinator, () => coordinator.CommitAsync(open.Transaction.Id, ct));
        if (committed is { Ok: false, ErrorId: Coordination.ChecksRestartedErrorId }) open.Committing = false;
        return committed;
    }

    /// <summary>Opens the transaction and checks it on the coordinator; while another change holds the slot, tries again until the proposal's busy wait runs out.</summary>
    private async Task<ControlResponse> BeginAsync(IVmEndpoint coordinator, Proposal proposal, string id, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + proposal.BusyWait;
        while (true)
        {
            var begun = await CallAsync(coordinator, () => coordinator.BeginAsync(Begin(proposal, id), ct));
            if (begun.ErrorId != ErrorIds.ClusterBusy || clock.GetUtcNow() >= deadline) return begun;
            progress?.Stage(ChangeStage.Begin, $"waiting for the change in progress to finish ({begun.Error})");
            await Task.Delay(BusyRetry, clock, ct);
        }
    }

    private static readonly TimeSpan BusyRetry = TimeSpan.FromMilliseconds(100);

    /// <summary>How many times joins may restart the checks of one change before it gives up.</summary>
    private const int MaxCheckRestarts = 5;

    private static bool IsUnreachable(ControlResponse response) =>
        response.ErrorId is ErrorIds.AgentNotRunning or ErrorIds.EndpointUnreachable or ErrorIds.AgentWentAway;

    /// <summary>
    /// The coordinator went away during the commit: its successor completes or aborts the change, or the coordinator
    /// itself once back. Ask the members until one knows the outcome; a decision never changes, so the first final answer is the answer.
    /// </summary>
    private async Task<ChangeOutcome> OutcomeAfterMasterLossAsync(Transaction tx, List<NodeCheckResult> checks, string master, CancellationToken ct)
    {
        progress?.Stage(ChangeStage.Commit, $"master {master} went away; asking the members for the outcome of {tx.Id}");
        var deadline = clock.GetUtcNow() + (outcomeTimeout ?? TimeSpan.FromSeconds(30));
        while (clock.GetUtcNow() < deadline)
        {
            // The master last: back from a restart it settles what it decided (alone, when it was the only member).
            foreach (var node in tx.Members.Where(m => m != master).Append(master))
            {
                var record = await FinalRecordAsync(node, tx.Id, ct);
                if (record is null) continue;
                var outcome = record.State == TransactionState.Committed ? "completed" : "aborted";
                var changed = NodeFailure.Of(master, ErrorIds.MasterChanged, node == master
                    ? $"master {master} went away during the change and {outcome} it when its agent returned."
                    : $"master {master} went away during the change; {node} {outcome} it.");
                return record.State == TransactionState.Committed
                    ? new ChangeOutcome { Succeeded = true, Stage = ChangeStage.Done, Transaction = tx, Record = record, Checks = checks, Warnings = [changed] }
                    : Failed(ChangeStage.Commit, tx, checks, [changed]);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), clock, ct);
        }
        return Failed(ChangeStage.Commit, tx, checks, [NodeFailure.Of(master, ErrorIds.MasterChanged, $"master {master} went away during the change and no member knew its outcome in time; see Get-VmTransaction -Id {tx.Id}.")]);
    }

    private async Task<TransactionRecord?> FinalRecordAsync(string node, string id, CancellationToken ct)
    {
        try { return (await Endpoint(node).GetTransactionsAsync(id, ct)).FirstOrDefault(r => r.IsFinal); }
        catch (EndpointException) { return null; }
    }

    /// <summary>
    /// The initiating node's view; for a shared change whose initiating node's agent is away, another
    /// member's (the master then names the missing node, or the change proceeds once it was evicted).
    /// </summary>
    private async Task<ClusterView> ViewAsync(Proposal proposal, CancellationToken ct)
    {
        try { return await Endpoint(proposal.Node).GetViewAsync(ct); }
        catch (EndpointException) when (proposal.Scope == TransactionScope.Shared)
        {
            foreach (var other in endpoints.Values.Where(e => e.Node != proposal.Node))
            {
                try { return await other.GetViewAsync(ct); }
                catch (EndpointException) { }
            }
            throw;
        }
    }

    private IVmEndpoint Endpoint(string node) => endpoints.TryGetValue(node, out var endpoint)
        ? endpoint
        : throw new EndpointException(node, ErrorIds.EndpointUnreachable, $"node {node} has no endpoint in this session.");

    private void Resolve(ClusterView view, List<Operation> operations)
    {
        foreach (var create in operations.OfType<CreateDiskGroup>())
        {
            if (create.Id == Guid.Empty) create.Id = newId();
            foreach (var disk in create.Disks)
                if (view.FindDisk(disk.Name) is { } known) { disk.Id = known.Id; disk.SizeBytes = known.SizeBytes; }
        }
        // Disks to add, and every subdisk layout, decided here once: every node applies the identical layout.
        Allocation.LayoutResolver.Resolve(view, operations);
    }

    private static BeginRequest Begin(Proposal proposal, string id) => new()
    {
        Scope = proposal.Scope, Owner = proposal.Scope == TransactionScope.Private ? proposal.Node : null,
        Initiator = proposal.Initiator, Operations = proposal.Operations, Id = id, Check = true,
    };

    /// <summary>
    /// Every member's checks, in parallel (those the round already started, and the rest now). A member cut off from
    /// the network may never answer (its endpoint's connection hangs, it does not fail): while answers are missing the
    /// coordinator is asked now and then whether it has already aborted the transaction (it has, once it counts that
    /// member Down); then the checks end with the coordinator's reason for each member that did not answer.
    /// </summary>
    private async Task<List<NodeCheckResult>> CheckAllAsync(IVmEndpoint coordinator, Transaction tx, CheckRound round, CancellationToken ct)
    {
        foreach (var node in tx.Members.Where(n => !round.Has(n))) round.Add(node, CheckAnsweredAsync(node, tx, round.Token));
        var all = Task.WhenAll(tx.Members.Select(round.Of));
        // The waits hang on a source of their own, let go when the checks end: a later stop must not reach back into
        // a wait nobody awaits (a stop cancels from another thread; the simulator's timers are not thread-safe).
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        while (true)
        {
            ct.ThrowIfCancellationRequested();   // stopped: the caller aborts the open transaction
            var watch = Task.Delay(CheckWatchInterval, clock, watching.Token);
            if (await Task.WhenAny(all, watch) == all) return [.. await all];
            if (await AbortedAsync(coordinator, tx.Id, ct) is not { } aborted) continue;
            round.Abandon();
            return tx.Members.Select(node => round.Answer(node) ?? NodeCheckResult.Failed(node, tx.Id,
                aborted.ErrorId ?? ErrorIds.TransactionAborted,
                aborted.FailedNodes.Contains(node) ? aborted.Error ?? $"{tx.Id} was aborted." : $"node {node} did not answer the checks before {tx.Id} was aborted: {aborted.Error}")).ToList();
        }
    }

    private CheckRound StartRound(Transaction tx, IEnumerable<string> nodes, CancellationToken ct)
    {
        var round = new CheckRound(ct);
        foreach (var node in nodes) round.Add(node, CheckAnsweredAsync(node, tx, round.Token));
        return round;
    }

    private async Task<NodeCheckResult> CheckAnsweredAsync(string node, Transaction tx, CancellationToken ct) => Answered(await CheckOneAsync(node, tx, ct));

    private NodeCheckResult Answered(NodeCheckResult result)
    {
        progress?.NodeAnswered(result.Node, result.Passed);
        return result;
    }

    /// <summary>
    /// The draft the round checked will not reach some who checked it: the coordinator refused to open it (their records
    /// end Aborted with the refusal), or opened it without them (they forget their checks). Checks still out get a short
    /// while to land first, so none lands after its withdrawal; one that does not land in time is let go.
    /// </summary>
    private async Task WithdrawAsync(CheckRound round, AbortRequest request, Func<string, bool> from)
    {
        using (round)
        {
            if (round.Count == 0) return;
            using var bound = new CancellationTokenSource(CheckWatchInterval, clock);
            try { await round.All.WaitAsync(bound.Token); }
            catch (OperationCanceledException) { round.Abandon(); }
            catch (Exception) { }   // a check that failed is an answer too: Answered tells
            await Task.WhenAll(round.Answered.Where(from).Where(endpoints.ContainsKey).Select(node => AbortAsync(endpoints[node], request)));
        }
    }

    /// <summary>How long the checks wait for answers before asking the coordinator whether it aborted the transaction, and again.</summary>
    private static readonly TimeSpan CheckWatchInterval = TimeSpan.FromSeconds(1);

    /// <summary>The coordinator's record of the transaction if it has aborted it; null if not, or if it does not answer in time.</summary>
    private async Task<TransactionRecord?> AbortedAsync(IVmEndpoint coordinator, string id, CancellationToken ct)
    {
        using var bound = new CancellationTokenSource(CheckWatchInterval * 3, clock);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, bound.Token);
        try { return (await coordinator.GetTransactionsAsync(id, both.Token)).LastOrDefault(r => r.Transaction.Id == id && r.State == TransactionState.Aborted); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return null; }
        catch (EndpointException) { return null; }
    }

    private async Task<NodeCheckResult> CheckOneAsync(string node, Transaction tx, CancellationToken ct)
    {
        try { return await Endpoint(node).CheckAsync(tx, ct); }
        catch (EndpointException e) when (e.ErrorId == ErrorIds.AgentNotRunning)
        {
            return NodeCheckResult.Failed(node, tx.Id, ErrorIds.AgentWentAway, $"the agent on node {node} went away during the change ({e.Message}).");
        }
        catch (EndpointException e) { return NodeCheckResult.Failed(node, tx.Id, e.ErrorId, e.Message); }
    }

    private static async Task<ControlResponse> CallAsync(IVmEndpoint endpoint, Func<Task<ControlResponse>> call)
    {
        try { return await call(); }
        catch (EndpointException e) { return ControlResponse.Failure(e.ErrorId, e.Message, [NodeFailure.Of(e.Node, e.ErrorId, e.Message)]); }
    }

    private Task AbortQuietlyAsync(IVmEndpoint coordinator, Transaction tx, List<NodeFailure> failures, bool checkOnly) =>
        AbortAsync(coordinator, checkOnly && failures.Count == 0
            ? new AbortRequest { TransactionId = tx.Id, ErrorId = ErrorIds.CheckedOnly, Reason = $"{tx.Id} was only checked (-CheckOnly)." }
            : new AbortRequest { TransactionId = tx.Id, Failures = failures });

    private Task AbortStoppedAsync(IVmEndpoint coordinator, Transaction tx, string initiator) =>
        AbortAsync(coordinator, new AbortRequest { TransactionId = tx.Id, Reason = $"the change {tx.Id} was stopped by {initiator} before it was committed; nothing was changed." });

    /// <summary>The abort is sent whatever stopped the change, and bounded so a coordinator that does not answer cannot hold the caller.</summary>
    private async Task AbortAsync(IVmEndpoint coordinator, AbortRequest request)
    {
        using var bound = new CancellationTokenSource(AbortTimeout, clock);
        try { await CallAsync(coordinator, () => coordinator.AbortAsync(request, bound.Token)); }
        catch (OperationCanceledException) { } // the coordinator's own open deadline aborts it then
    }

    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(10);

    private static NodeFailure NoMaster(string node, ClusterView view) => view.NoQuorum is { } why
        ? NodeFailure.Of(node, ErrorIds.NoQuorum, why)
        : NodeFailure.Of(node, ErrorIds.AgentNotRunning, $"node {node} has not joined the cluster; there is no master to coordinate the change.");

    private static NodeFailure AsFailure(NodeCheckResult result)
    {
        var first = result.FirstFailure;
        return NodeFailure.Of(result.Node, first?.Name ?? ErrorIds.TransactionAborted, first?.Message ?? result.Message);
    }

    private static List<NodeFailure> Failures(ControlResponse response, string node) => response.Failures.Count > 0
        ? response.Failures
        : [NodeFailure.Of(node, response.ErrorId ?? ErrorIds.TransactionAborted, response.Error ?? $"node {node} refused the change.")];

    private static ChangeOutcome LocalFailure(string node, List<CheckResult> checks) => new()
    {
        Stage = ChangeStage.LocalCheck,
        Checks = [NodeCheckResult.From(node, "", checks)],
        Failures = checks.Where(c => !c.Passed).Select(c => NodeFailure.Of(node, c.Name, c.Message)).ToList(),
    };

    private static ChangeOutcome Failed(ChangeStage stage, Transaction? tx, List<NodeCheckResult> checks, List<NodeFailure> failures, bool succeeded = false) =>
        new() { Succeeded = succeeded, Stage = stage, Transaction = tx, Checks = checks, Failures = failures };
}
