using System.Management.Automation;
using VolumeManager.Engine.Checks;
using VolumeManager.Transport;

namespace VolumeManager.Cmdlets.Commands.NodeSide;

/// <summary>A command that runs inside a node's endpoint and talks to the local agent.</summary>
public abstract class NodeSideCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource cancel = new();

    protected CancellationToken Cancellation => cancel.Token;

    protected override void StopProcessing() => cancel.Cancel();

    protected T Run<T>(Func<CancellationToken, Task<T>> call)
    {
        try { return call(cancel.Token).GetAwaiter().GetResult(); }
        catch (AgentUnreachableException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.AgentNotRunning, ErrorCategory.ResourceUnavailable, LocalAgent.Node)
            {
                ErrorDetails = new ErrorDetails($"node {LocalAgent.Node}: the agent is not running ({e.Message})."),
            });
            throw;
        }
    }
}
