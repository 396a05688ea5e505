using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;

namespace VolumeManager.Cmdlets.Jobs;

/// <summary>
/// One cluster member's part in a change run as a job: its check result and how the change ended there.
/// A failing node's job is Failed and holds its ErrorRecord in <see cref="NodeError"/>; the record itself is written to
/// the parent job's error stream only, and no job sets JobStateInfo.Reason (Receive-Job would write each reason as one
/// more error), so Receive-Job shows each failing node's error once, with its ErrorId and the node as TargetObject.
/// Plain Job, not Job2: Receive-Job -AutoRemoveJob removes a Job2 only through a job source adapter.
/// </summary>
public sealed class VmNodeJob : Job
{
    internal VmNodeJob(string command, string node) : base(command, node)
    {
        Node = node;
        PSJobTypeName = nameof(VmNodeJob);
        SetJobState(JobState.Running);
    }

    public string Node { get; }

    /// <summary>The node's answer to the proposal; null until it answered, or when it was never asked.</summary>
    public VmNodeCheckResult? CheckResult { get; private set; }

    /// <summary>Running, Committed, Aborted, Checked (-CheckOnly), Failed (this node refused or went away), NotInvolved.</summary>
    public string Outcome { get; private set; } = "Running";

    /// <summary>Why this node failed the change; null unless <see cref="Outcome"/> is Failed.</summary>
    public ErrorRecord? NodeError { get; private set; }

    public override string Location => Node;
    public override string StatusMessage => NodeError?.ToString() ?? (CheckResult is null ? Outcome : $"{Outcome}: {CheckResult.Message}");
    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0;

    public override void StopJob() => Finish("Stopped", JobState.Stopped);

    internal void Checked(VmNodeCheckResult result) => CheckResult = result;

    /// <summary>The final word for this node; the first one stands.</summary>
    internal void Finish(string outcome, JobState state, ErrorRecord? error = null)
    {
        if (Done) return;
        Outcome = outcome;
        NodeError = error;
        SetJobState(state);
    }

    private bool Done => JobStateInfo.State is JobState.Completed or JobState.Failed or JobState.Stopped;
}
