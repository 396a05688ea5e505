namespace VolumeManager.Transport;

/// <summary>The agent refused the connection because the node token presented did not match.</summary>
public sealed class AgentAccessDeniedException : UnauthorizedAccessException
{
    public AgentAccessDeniedException(string socketPath, string agentMessage)
        : base($"The volume manager agent on control socket '{socketPath}' refused the connection: {agentMessage}")
    {
        SocketPath = socketPath;
    }

    public string SocketPath { get; }
}
