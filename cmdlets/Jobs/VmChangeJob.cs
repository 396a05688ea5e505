using System.Management.Automation;
using System.Management.Automation.Runspaces;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Initiation;

namespace VolumeManager.Cmdlets.Jobs;

/// <summary>
/// A state-changing command run as a PowerShell job (-AsJob). The command runs again, with the parameters the user
/// bound, in a runspace of its own on a thread of its own, so it never touches the caller's cmdlet or pipeline;
/// its output, errors and progress are this job's. One child job per cluster member carries that node's check
/// result and outcome.
/// </summary>
public sealed class VmChangeJob : Job
{
    private readonly CmdletInfo command;
    private readonly IReadOnlyDictionary<string, object?> parameters;
    private readonly Dictionary<string, VmNodeJob> nodes;
    private readonly object gate = new();
    private readonly ManualResetEventSlim finished = new();
    private readonly CancellationTokenSource stopRequested = new();
    private readonly VmChangeJob? after;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private PowerShell? running;
    private bool stopping;
    private Exception? failure;

    /// <param name="after">The job started for the previous input of the same pipeline: this one runs when it has ended,
    /// since the cluster makes one change at a time and would refuse the second as busy.</param>
    internal VmChangeJob(string commandText, CmdletInfo command, IReadOnlyDictionary<string, object?> parameters, IEnumerable<string> members,
        VmChangeJob? after) : base(commandText, null)
    {
        this.after = after;
        this.command = command;
        this.parameters = parameters;
        PSJobTypeName = nameof(VmChangeJob);
        nodes = members.Distinct(StringComparer.OrdinalIgnoreCase)
            .ToDictionary(m => m, m => new VmNodeJob(commandText, m), StringComparer.OrdinalIgnoreCase);
        foreach (var node in nodes.Values) ChildJobs.Add(node);
    }

    public override string Location => string.Join(",", nodes.Keys);
    public override string StatusMessage => failure?.Message ?? "";
    public override bool HasMoreData =>
        Output.Count > 0 || Error.Count > 0 || Warning.Count > 0 || Verbose.Count > 0 || ChildJobs.Any(c => c.HasMoreData);

    internal void Start()
    {
        SetJobState(JobState.Running);
        _ = Task.Run(Run);
    }

    public override void StopJob()
    {
        PowerShell? ps;
        lock (gate) { stopping = true; ps = running; }
        stopRequested.Cancel();
        // BeginStop, then wait for the job itself: PowerShell.Stop here threw NullReferenceException after stopping.
        try { ps?.BeginStop(null, null); }
        catch (ObjectDisposedException) { } // it finished (and was disposed) while being stopped
        finished.Wait(StopTimeout);
    }

    /// <summary>
    /// The command is running: from now on it can be stopped (PowerShell.Stop before that fails), and a stop
    /// requested while it was starting takes effect now.
    /// </summary>
    private void Started(PowerShell ps)
    {
        bool stopNow;
        lock (gate) { running = ps; stopNow = stopping; }
        if (stopNow) ps.BeginStop(null, null);
    }

    private void Run()
    {
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        try
        {
            try { after?.finished.Wait(stopRequested.Token); }
            catch (ObjectDisposedException) { } // the previous job ended and was removed
            runspace.Open();
            JobLink.Attach(runspace, this);
            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddCommand(command);
            foreach (var (name, value) in parameters) ps.AddParameter(name, value);
            ps.Streams.Error = Error;
            ps.Streams.Warning = Warning;
            ps.Streams.Verbose = Verbose;
            ps.Streams.Debug = Debug;
            ps.Streams.Information = Information;
            ps.Streams.Progress = Progress;
            ps.InvocationStateChanged += (_, e) => { if (e.InvocationStateInfo.State == PSInvocationState.Running) Started(ps); };
            if (stopping) return;
            var input = new PSDataCollection<PSObject>();
            input.Complete();
            // BeginInvoke, not Invoke: PowerShell.Stop from another thread works on an asynchronous invocation.
            ps.EndInvoke(ps.BeginInvoke(input, Output));
            if (ps.HadErrors) failure ??= new InvalidOperationException($"{command.Name} failed; Receive-Job shows its errors.");
        }
        catch (Exception e) when (e is PipelineStoppedException or OperationCanceledException) { stopping = true; }
        catch (RuntimeException e)
        {
            Error.Add(e.ErrorRecord);
            failure ??= e;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            Error.Add(new ErrorRecord(e, "JobFailed", ErrorCategory.OperationStopped, command.Name));
            failure ??= e;
        }
        finally
        {
            lock (gate) running = null;
            JobLink.Detach(runspace);
            Finish();
        }
    }

    private void Finish()
    {
        var state = stopping ? JobState.Stopped : failure is null ? JobState.Completed : JobState.Failed;
        foreach (var node in nodes.Values)
            node.Finish(stopping ? "Stopped" : "NotInvolved", stopping ? JobState.Stopped : JobState.Completed);
        // No reason: Receive-Job would write it as one more error (see VmNodeJob); StatusMessage says it.
        if (JobStateInfo.State is JobState.Running or JobState.NotStarted) SetJobState(state);
        finished.Set();
    }


    /// <summary>From the command inside the job, once the change has run: each member's check result and outcome.</summary>
    internal void Record(ChangeOutcome outcome, bool checkOnly)
    {
        foreach (var check in outcome.Checks)
            if (nodes.TryGetValue(check.Node, out var node)) node.Checked(ObjectMapper.ToObject(check));
        var members = outcome.Transaction?.Members ?? [];
        foreach (var node in nodes.Values.Where(n => members.Contains(n.Node, StringComparer.OrdinalIgnoreCase)))
        {
            var text = checkOnly ? (node.CheckResult?.Passed == false ? "CheckFailed" : "Checked")
                : outcome.Succeeded ? "Committed" : "Aborted";
            node.Finish(text, JobState.Completed);
        }
    }

    /// <summary>A node that refused the change or could not be reached: its job fails with the error written for it.</summary>
    internal void Fail(string node, ErrorRecord error)
    {
        failure ??= error.Exception;
        if (nodes.TryGetValue(node, out var job)) job.Finish("Failed", JobState.Failed, error);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var node in nodes.Values) node.Dispose();
            finished.Dispose();
            stopRequested.Dispose();
        }
        base.Dispose(disposing);
    }
}
