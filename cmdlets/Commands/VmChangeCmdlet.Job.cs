using System.Collections;
using System.Management.Automation;
using VolumeManager.Cmdlets.Jobs;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// -AsJob: the cmdlet has resolved its target and asked ShouldProcess; the change itself (and whatever the command
/// does with its result) runs again inside a <see cref="VmChangeJob"/>, against the cluster resolved here, so a later
/// Connect-VmCluster does not redirect a job already started.
/// </summary>
public abstract partial class VmChangeCmdlet
{
    /// <summary>Parameters the job does not pass on: its own switch, and those that only mean something in the caller's session.</summary>
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(AsJob), nameof(Cluster), "WhatIf", "Confirm", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction",
        "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
    };

    /// <summary>The job this invocation started for its previous input: the next one runs after it.</summary>
    private VmChangeJob? previousJob;

    private void StartJob(Proposal proposal)
    {
        var cluster = TargetCluster;
        var parameters = MyInvocation.BoundParameters
            .Where(p => !NotForwarded.Contains(p.Key))
            .ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.OrdinalIgnoreCase);
        var text = CommandText(parameters);
        parameters[nameof(Cluster)] = cluster;
        parameters["Confirm"] = false;
        var job = new VmChangeJob(text, new CmdletInfo(MyInvocation.MyCommand.Name, GetType()), parameters, JobMembers(proposal), previousJob);
        previousJob = job;
        JobRepository.Add(job);
        job.Start();
        WriteObject(job);
    }

    /// <summary>One child job per member the change goes to: the owner of a private change, else every member.</summary>
    private List<string> JobMembers(Proposal proposal)
    {
        if (proposal.Scope == TransactionScope.Private) return [proposal.Node];
        try { return [.. Await(ct => Connection.ViewAsync(null, ct)).ActiveMembers.OrderBy(m => m.Rank).Select(m => m.Name)]; }
        catch (EndpointException) { return [.. Connection.Endpoints.Keys]; }
    }

    private string CommandText(Dictionary<string, object?> parameters) =>
        string.Join(" ", parameters.Select(p => p.Value switch
        {
            SwitchParameter s => s.IsPresent ? $"-{p.Key}" : $"-{p.Key}:$false",
            string value => $"-{p.Key} {value}",
            IEnumerable many => $"-{p.Key} {string.Join(",", many.Cast<object>())}",
            var value => $"-{p.Key} {value}",
        }).Prepend(MyInvocation.MyCommand.Name));
}
