using System.Management.Automation;
using VolumeManager.Engine.Initiation;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Write-Progress for a change: one parent record for the change, one child record per node under it
/// (checking, passed, preparing and committing, committed). The initiator reports from its own threads;
/// every record is written from the pipeline thread through the pump in <see cref="VmCmdlet"/>.
/// </summary>
public abstract partial class VmChangeCmdlet
{
    private const int ChangeActivityId = 1;

    // Touched only on the pipeline thread (inside OnPipeline actions and after Await returns).
    private readonly List<string> progressNodes = [];
    private readonly HashSet<string> passedNodes = new(StringComparer.OrdinalIgnoreCase);

    private string Activity => $"{MyInvocation.MyCommand.Name} on cluster {TargetCluster.Name}";

    void IInitiatorProgress.Stage(ChangeStage stage, string detail) => OnPipeline(() =>
    {
        WriteProgress(new ProgressRecord(ChangeActivityId, Activity, detail) { PercentComplete = (int)stage * 25 });
        if (stage == ChangeStage.Commit)
            foreach (var node in progressNodes.Where(passedNodes.Contains)) NodeProgress(node, "preparing and committing");
    });

    void IInitiatorProgress.Checking(IReadOnlyList<string> nodes) => OnPipeline(() =>
    {
        passedNodes.Clear();
        foreach (var node in nodes) NodeProgress(node, "checking...");
    });

    void IInitiatorProgress.NodeAnswered(string node, bool passed) => OnPipeline(() =>
    {
        if (passed) passedNodes.Add(node);
        NodeProgress(node, passed ? "passed its checks" : "failed its checks");
    });

    private void NodeProgress(string node, string status, ProgressRecordType type = ProgressRecordType.Processing)
    {
        var index = progressNodes.FindIndex(n => string.Equals(n, node, StringComparison.OrdinalIgnoreCase));
        if (index < 0) { progressNodes.Add(node); index = progressNodes.Count - 1; }
        WriteProgress(new ProgressRecord(ChangeActivityId + 1 + index, $"node {node}", status)
        {
            ParentActivityId = ChangeActivityId, RecordType = type,
        });
    }

    /// <summary>Each node's last word (committed, aborted, failed), then every record completed.</summary>
    private void CompleteProgress(ChangeOutcome? outcome)
    {
        foreach (var node in progressNodes)
        {
            if (outcome is not null) NodeProgress(node, FinalStatus(outcome, node));
            NodeProgress(node, "done", ProgressRecordType.Completed);
        }
        WriteProgress(new ProgressRecord(ChangeActivityId, Activity, "done") { RecordType = ProgressRecordType.Completed });
    }

    private static string FinalStatus(ChangeOutcome outcome, string node)
    {
        if (outcome.Failures.FirstOrDefault(f => string.Equals(f.Node, node, StringComparison.OrdinalIgnoreCase)) is { } failure)
            return $"failed: {failure.ErrorId}";
        if (outcome.Transaction is { } tx && !tx.Members.Contains(node, StringComparer.OrdinalIgnoreCase)) return "not involved";
        if (outcome.Stage == ChangeStage.NodeCheck && outcome.Succeeded) return "checked, nothing changed";
        return outcome.Succeeded ? $"committed at generation {outcome.Record?.Generation}" : "aborted";
    }
}
