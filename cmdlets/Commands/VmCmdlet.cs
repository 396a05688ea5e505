using System.Collections.Concurrent;
using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Cmdlets.Remoting;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Base of every cluster command: the -Cluster parameter, the cancellation token (Ctrl+C stops a fan-out),
/// and a pump so that work on other threads reaches the pipeline only through the pipeline thread.
/// </summary>
public abstract class VmCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource cancel = new();
    /// <summary>The runspace this command runs in, taken on its pipeline thread when the command is created.</summary>
    private readonly System.Management.Automation.Runspaces.Runspace? runspace = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
    private readonly BlockingCollection<Action> onPipeline = [];

    /// <summary>The cluster to act on; the one last connected when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = false)]
    public VmCluster? Cluster { get; set; }

    protected CancellationToken Cancellation => cancel.Token;

    protected override void StopProcessing() => cancel.Cancel();

    internal ClusterConnection Connection => TargetCluster.Connection;

    /// <summary>This runspace's default cluster (<see cref="ClusterRegistry"/>).</summary>
    internal VmCluster? DefaultCluster
    {
        get => ClusterRegistry.Get(runspace);
        set => ClusterRegistry.Set(runspace, value);
    }

    /// <summary>A node's state directory as the cluster definition has it (where its agent's sockets are).</summary>
    internal string? StateDirectoryOf(string node) => Connection.Definition.Nodes.FirstOrDefault(n => n.Name == node)?.StateDirectory;

    protected VmCluster TargetCluster => Cluster ?? DefaultCluster ?? throw Terminate(
        new InvalidOperationException("No cluster is connected. Use Connect-VmCluster or Start-VmLocalCluster first, or pass -Cluster."),
        "NoClusterConnected", ErrorCategory.ConnectionError, null);

    /// <summary>
    /// Runs async work to completion, executing queued pipeline actions (progress, verbose) as they arrive. The work's
    /// end is itself queued, so the pipeline thread wakes the moment it ends (a timed poll cost every command up to its period).
    /// </summary>
    protected T Await<T>(Func<CancellationToken, Task<T>> work)
    {
        var task = Task.Run(() => work(cancel.Token));
        task.ContinueWith(_ => onPipeline.Add(WorkEnded), TaskScheduler.Default);
        while (!task.IsCompleted) onPipeline.Take()();
        while (onPipeline.TryTake(out var action)) action();
        return task.GetAwaiter().GetResult();
    }

    private static readonly Action WorkEnded = () => { };

    protected void Await(Func<CancellationToken, Task> work) => Await<bool>(async ct => { await work(ct); return true; });

    /// <summary><see cref="Await{T}"/> for helpers that work on a cmdlet's behalf from its pipeline thread.</summary>
    internal T Run<T>(Func<CancellationToken, Task<T>> work) => Await(work);

    internal void Run(Func<CancellationToken, Task> work) => Await(work);

    /// <summary>From any thread: run on the pipeline thread at the next pump.</summary>
    protected void OnPipeline(Action action) => onPipeline.Add(action);

    /// <summary>
    /// The configuration as <paramref name="node"/> sees it (any reachable node when null). A node that cannot be read is
    /// a non-terminating error naming it (a read from one unreachable node must not stop a script); null then.
    /// </summary>
    protected Engine.Model.ClusterView? ReadView(string? node)
    {
        try { return Await(ct => Connection.ViewAsync(node, ct)); }
        catch (Engine.Initiation.EndpointException e)
        {
            WriteError(NodeError(e.Node, e.ErrorId, e.Message, e.Node, e));
            return null;
        }
    }

    /// <summary>
    /// One failing node's error: the sentence <see cref="Engine.Checks.NodeErrorText"/> gives for it, and behind it, as
    /// the inner exception, the detail of the layer that saw it (<paramref name="cause"/>, else the reason when it differs).
    /// </summary>
    internal static ErrorRecord NodeError(string node, string errorId, string reason, object target, Exception? cause = null)
    {
        var text = Engine.Checks.NodeErrorText.Describe(node, errorId, reason);
        cause ??= text == reason ? null : new InvalidOperationException(reason);
        return new ErrorRecord(new InvalidOperationException(text, cause), errorId, VmChangeCmdlet.Category(errorId), target) { ErrorDetails = new ErrorDetails(text) };
    }

    protected PipelineStoppedException Terminate(Exception exception, string errorId, ErrorCategory category, object? target)
    {
        ThrowTerminatingError(new ErrorRecord(exception, errorId, category, target) { ErrorDetails = new ErrorDetails(exception.Message) });
        return new PipelineStoppedException();
    }
}
