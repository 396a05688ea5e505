using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Base of every state-changing command: -CheckOnly, progress per node, one ErrorRecord per failing node.</summary>
public abstract class VmChangeCmdlet : VmCmdlet, IInitiatorProgress
{
    private int answered;
    private int expected;

    /// <summary>Run the local and per-node checks, return one VmNodeCheckResult per node, and change nothing.</summary>
    [Parameter]
    public SwitchParameter CheckOnly { get; set; }

    /// <summary>How long to wait for another change in progress (a background resync's, another administrator's) before failing with ClusterBusy.</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    protected void ValidateName(string? name, string what)
    {
        if (NameRules.Problem(name, what) is { } problem)
            throw Terminate(new ArgumentException(problem), ErrorIds.InvalidName, ErrorCategory.InvalidArgument, name);
    }

    /// <summary>A change initiated on the local node: shared, or private to <paramref name="owner"/> (checked and coordinated there).</summary>
    protected Proposal Propose(string? owner, params Operation[] operations) => new()
    {
        Scope = owner is null ? TransactionScope.Shared : TransactionScope.Private,
        Node = owner ?? Connection.LocalNode,
        Initiator = Connection.LocalNode,
        CheckOnly = CheckOnly,
        BusyWait = Timeout < TimeSpan.Zero ? TimeSpan.Zero : Timeout,
        Operations = [.. operations],
    };

    /// <summary>Runs the change through the initiator; on failure writes the errors and returns null.</summary>
    protected ChangeOutcome? RunChange(Proposal proposal, object target)
    {
        expected = Math.Max(1, Connection.Endpoints.Count);
        ChangeOutcome outcome;
        try { outcome = Await(ct => Connection.Initiator(this).RunAsync(proposal, ct)); }
        catch (EndpointException e)
        {
            WriteFailure(NodeFailure.Of(e.Node, e.ErrorId, e.Message), e.Node);
            return null;
        }
        finally { WriteProgress(new ProgressRecord(1, Activity, "done") { RecordType = ProgressRecordType.Completed }); }
        foreach (var check in outcome.Checks) WriteVerbose($"{check.Node}: {(check.Passed ? "passed" : "failed")} {check.TransactionId} - {check.Message}");
        if (proposal.CheckOnly)
        {
            foreach (var check in outcome.Checks.OrderBy(c => c.Passed)) WriteObject(ObjectMapper.ToObject(check));
            return null;
        }
        foreach (var failure in outcome.Failures) WriteFailure(failure, outcome.Stage == ChangeStage.LocalCheck ? target : failure.Node);
        foreach (var warning in outcome.Warnings) WriteWarning($"{warning.ErrorId}: {warning.Reason}");
        return outcome.Succeeded ? outcome : null;
    }

    private string Activity => $"{MyInvocation.MyCommand.Name} on cluster {TargetCluster.Name}";

    private void WriteFailure(NodeFailure failure, object target)
    {
        var text = failure.Reason.StartsWith($"node {failure.Node}", StringComparison.Ordinal) ? failure.Reason : $"node {failure.Node}: {failure.Reason}";
        WriteError(new ErrorRecord(new InvalidOperationException(text), failure.ErrorId, Category(failure.ErrorId), target)
        {
            ErrorDetails = new ErrorDetails(text),
        });
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

    void IInitiatorProgress.Stage(ChangeStage stage, string detail) =>
        OnPipeline(() => WriteProgress(new ProgressRecord(1, Activity, detail) { PercentComplete = (int)stage * 25 }));

    void IInitiatorProgress.NodeAnswered(string node, bool passed)
    {
        var done = Interlocked.Increment(ref answered);
        OnPipeline(() => WriteProgress(new ProgressRecord(2, "Node checks", $"{node}: {(passed ? "passed" : "failed")}")
        {
            ParentActivityId = 1, PercentComplete = Math.Min(100, done * 100 / expected),
        }));
    }
}
