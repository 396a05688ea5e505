namespace VolumeManager.Transport;

/// <summary>No agent answers on the node's control socket (cmdlets report it as <c>AgentNotRunning</c>).</summary>
public sealed class AgentUnreachableException : IOException
{
    public AgentUnreachableException(string socketPath, string reason, Exception? innerException = null)
        : base($"The volume manager agent is not reachable on control socket '{socketPath}': {reason}. "
            + "Check that vmconfigd is running on this node.", innerException)
    {
        SocketPath = socketPath;
    }

    public string SocketPath { get; }
}
