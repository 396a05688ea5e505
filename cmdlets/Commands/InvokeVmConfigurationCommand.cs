using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.DesiredState;
using VolumeManager.Engine.Initiation;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Brings the cluster to the state a desired-state file declares: plans the missing changes as ordered transactions and
/// applies them one at a time through the normal change path, stopping at the first that fails. Removes or shrinks
/// nothing unless -Prune.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "VmConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmConfigurationChange), typeof(VmNodeCheckResult))]
public sealed class InvokeVmConfigurationCommand : VmChangeCmdlet
{
    public const string ConflictErrorId = "ConfigurationConflict";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = "";

    /// <summary>Also remove disk groups, volumes, disks and mirrors the file omits, and shrink volumes larger than it says (each confirmed as High impact).</summary>
    [Parameter]
    public SwitchParameter Prune { get; set; }

    /// <summary>Do not ask before the removals and shrinks of -Prune.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var desired = ConfigurationSource.Load(Path, this);
        LiveConfiguration live;
        try { live = Await(ct => ConfigurationSource.ReadLiveAsync(Connection, ct)); }
        catch (EndpointException e) { throw Terminate(e, e.ErrorId, Category(e.ErrorId), e.Node); }
        var plan = ConfigurationPlanner.Plan(desired, live, Prune);
        if (plan.Conflicts.Any())
        {
            foreach (var conflict in plan.Conflicts) WriteConflict(conflict);
            return;
        }
        if (!Prune) WarnAboutPruneOnly(plan);
        if (plan.Changes.Count == 0)
        {
            Say(plan.InDesiredState
                ? $"Cluster {TargetCluster.Name} already has the configuration {Path} declares; no change was made."
                : $"Invoke-VmConfiguration made no change: what differs from {Path} is only removed or shrunk under -Prune (see the warnings).");
            return;
        }
        Apply(plan.Changes);
    }

    private void Apply(IReadOnlyList<PlannedChange> changes)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            var text = $"Step {i + 1} of {changes.Count}: {change.Description} ({(change.Owner is null ? "shared" : $"private, node {change.Owner}")})";
            if (!ShouldProcess(text, $"{text}?", change.Action, out var reason))
            {
                if (reason == ShouldProcessReason.WhatIf) continue;
                WriteVerbose($"Stopped before step {i + 1} of {changes.Count}: it was declined; the later steps depend on it.");
                return;
            }
            if (change.Destructive && !CheckOnly && !ConfirmDestructive(text)) return;
            var outcome = RunChange(Propose(change.Owner, change.Operation), change.Target);
            if (CheckOnly)
            {
                if (changes.Count > 1) WriteVerbose($"-CheckOnly checked step 1 of {changes.Count} only: the later steps depend on it being applied.");
                return;
            }
            if (outcome is null)
            {
                WriteVerbose($"Stopped at step {i + 1} of {changes.Count}: it failed; {changes.Count - i - 1} later step(s) were not sent.");
                return;
            }
            WriteObject(ToObject(i + 1, change, outcome));
        }
    }

    /// <summary>-Prune's removals are High impact: asked about under the default $ConfirmPreference, as a Remove-* command is.</summary>
    private bool ConfirmDestructive(string text)
    {
        if (Force || MyInvocation.BoundParameters.ContainsKey("Confirm")) return true;
        var preference = LanguagePrimitives.TryConvertTo(GetVariableValue("ConfirmPreference"), out ConfirmImpact value) ? value : ConfirmImpact.High;
        return preference != ConfirmImpact.High || ShouldContinue($"{text}. This removes data; continue?", "Remove what the file omits");
    }

    private void WarnAboutPruneOnly(ConfigurationPlan plan)
    {
        foreach (var drift in plan.PruneOnly) WriteWarning($"{drift.Message}; left as it is (Invoke-VmConfiguration -Prune would change it).");
    }

    private void WriteConflict(Drift conflict)
    {
        var text = $"{conflict.Message}. Nothing was changed.";
        WriteError(new ErrorRecord(new InvalidOperationException(text), ConflictErrorId, ErrorCategory.InvalidData, conflict.DiskGroup)
        {
            ErrorDetails = new ErrorDetails(text),
        });
    }

    private void Say(string text) => WriteInformation(new HostInformationMessage { Message = text }, ["PSHOST"]);

    private static VmConfigurationChange ToObject(int step, PlannedChange change, ChangeOutcome outcome) => new()
    {
        Step = step, Action = change.Action, DiskGroup = change.Operation.DiskGroup, Target = change.Target, Description = change.Description,
        TransactionId = outcome.Transaction?.Id ?? "", Generation = outcome.Record?.Generation ?? 0, Node = outcome.Transaction?.Coordinator ?? "",
    };
}
