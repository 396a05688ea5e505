using System.Management.Automation;
using VolumeManager.Cmdlets.Jobs;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Base of every state-changing command: -CheckOnly, -AsJob, progress per node, one ErrorRecord per failing node.</summary>
public abstract partial class VmChangeCmdlet : VmCmdlet, IInitiatorProgress
{
    /// <summary>Run the local and per-node checks, return one VmNodeCheckResult per node, and change nothing.</summary>
    [Parameter]
    public SwitchParameter CheckOnly { get; set; }

    /// <summary>How long to wait for another change in progress (a background resync's, another administrator's) before failing with ClusterBusy.</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Return a job at once (one child job per cluster member) and run the change in the background.</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    protected void ValidateName(string? name, string what)
    {
        if (NameRules.Problem(name, what) is { } problem)
            throw Terminate(new ArgumentException(problem), ErrorIds.InvalidName, ErrorCategory.InvalidArgument, name);
    }

    /// <summary>The disk group as the view shows it (null when there is none: the local checks then say so), and the scope of a change to it.</summary>
    protected sealed record GroupTarget(DiskGroup? Group, bool Shared, string Owner, string Name)
    {
        public override string ToString() => Shared ? $"shared disk group '{Name}'" : $"private disk group '{Name}' (node {Owner})";
    }

    /// <summary>The group as the committed transaction leaves it: its operations applied to the group the view showed.</summary>
    protected static DiskGroup? After(GroupTarget target, ChangeOutcome outcome)
    {
        if (target.Group is null || outcome.Transaction is null) return null;
        List<DiskGroup> groups = [target.Group.Clone()];
        var generation = outcome.Record?.Generation ?? target.Group.Generation + 1;
        foreach (var op in outcome.Transaction.Operations) op.ApplyTo(groups, generation);
        return groups[0];
    }

    /// <summary>A disk group by name as the view of <paramref name="node"/> (default the local node) shows it, and the scope of a change to it: shared unless the view says it is private.</summary>
    protected GroupTarget ResolveGroup(string name, string? node)
    {
        ValidateName(name, "disk group");
        ClusterView view;
        try { view = Await(ct => Connection.ViewAsync(node, ct)); }
        catch (EndpointException e) { throw Terminate(e, e.ErrorId, Category(e.ErrorId), e.Node); }
        resolved = (node ?? Connection.LocalNode, view);
        var group = view.FindDiskGroup(name);
        return new GroupTarget(group, group?.Shared ?? true, group?.Owner ?? node ?? Connection.LocalNode, group?.Name ?? name);
    }

    /// <summary>The view <see cref="ResolveGroup"/> read for this input, and whose it is: the change's local checks run on it, one round trip fewer.</summary>
    private (string Node, ClusterView View)? resolved;

    /// <summary>A change initiated on the local node: shared, or private to <paramref name="owner"/> (checked and coordinated there).</summary>
    protected Proposal Propose(string? owner, params Operation[] operations)
    {
        var node = owner ?? Connection.LocalNode;
        var view = resolved is { } r && NameRules.Same(r.Node, node) ? r.View : null;
        resolved = null;
        return new Proposal
        {
            Scope = owner is null ? TransactionScope.Shared : TransactionScope.Private,
            Node = node,
            Initiator = Connection.LocalNode,
            CheckOnly = CheckOnly,
            BusyWait = Timeout < TimeSpan.Zero ? TimeSpan.Zero : Timeout,
            Operations = [.. operations],
            View = view,
        };
    }

    /// <summary>Runs the change through the initiator; on failure writes the errors and returns null. Under -AsJob writes the job and returns null.</summary>
    protected ChangeOutcome? RunChange(Proposal proposal, object target)
    {
        if (AsJob)
        {
            StartJob(proposal);
            return null;
        }
        ChangeOutcome outcome;
        try { outcome = Await(ct => Connection.Initiator(this).RunAsync(proposal, ct)); }
        catch (EndpointException e)
        {
            WriteFailure(NodeFailure.Of(e.Node, e.ErrorId, e.Message), e.Node);
            CompleteProgress(null);
            return null;
        }
        CompleteProgress(outcome);
        foreach (var check in outcome.Checks) WriteVerbose($"{check.Node}: {(check.Passed ? "passed" : "failed")} {check.TransactionId} - {check.Message}");
        if (proposal.CheckOnly)
        {
            JobLink.Current?.Record(outcome, checkOnly: true);
            foreach (var check in outcome.Checks.OrderBy(c => c.Passed)) WriteObject(ObjectMapper.ToObject(check));
            return null;
        }
        if (outcome.Succeeded && outcome.Transaction is { } committed) Connection.Committed(committed);
        foreach (var failure in outcome.Failures) WriteFailure(failure, outcome.Stage == ChangeStage.LocalCheck ? target : failure.Node);
        JobLink.Current?.Record(outcome, checkOnly: false);
        foreach (var warning in outcome.Warnings) WriteWarning($"{warning.ErrorId}: {warning.Reason}");
        return outcome.Succeeded ? outcome : null;
    }

    private void WriteFailure(NodeFailure failure, object target)
    {
        var error = NodeError(failure.Node, failure.ErrorId, failure.Reason, target);
        JobLink.Current?.Fail(failure.Node, error);
        WriteError(error);
    }

    internal static ErrorCategory Category(string errorId) => errorId switch
    {
        ErrorIds.InvalidName or ErrorIds.InvalidSize or ErrorIds.InvalidMirrorCount or ErrorIds.InvalidPlexState => ErrorCategory.InvalidArgument,
        ErrorIds.LastPlex or ErrorIds.LastDisk or ErrorIds.DiskHasSubdisks => ErrorCategory.InvalidOperation,
        ErrorIds.InsufficientDisks => ErrorCategory.LimitsExceeded,
        ErrorIds.PlexNotFound => ErrorCategory.ObjectNotFound,
        ErrorIds.DiskGroupNameExists or ErrorIds.VolumeNameExists or ErrorIds.PrivateDiskGroupNameConflict => ErrorCategory.ResourceExists,
        ErrorIds.DiskGroupNotFound or ErrorIds.DiskNotFound or ErrorIds.VolumeNotFound => ErrorCategory.ObjectNotFound,
        ErrorIds.DiskInUse or ErrorIds.ClusterBusy or ErrorIds.DiskGroupHasVolumes => ErrorCategory.ResourceBusy,
        ErrorIds.DiskNotAccessible => ErrorCategory.DeviceError,
        ErrorIds.AgentNotRunning or ErrorIds.AgentWentAway or ErrorIds.EndpointUnreachable or ErrorIds.NodeLeft => ErrorCategory.ResourceUnavailable,
        ErrorIds.StaleGeneration => ErrorCategory.InvalidData,
        ErrorIds.InsufficientSpace => ErrorCategory.LimitsExceeded,
        _ => ErrorCategory.OperationStopped,
    };
}
