namespace VolumeManager.Transport;

/// <summary>The agent received the request but its handler failed; the message is the agent's.</summary>
public sealed class AgentRequestFailedException : Exception
{
    public AgentRequestFailedException(string socketPath, string agentMessage)
        : base($"The volume manager agent on control socket '{socketPath}' failed the request: {agentMessage}")
    {
        SocketPath = socketPath;
        AgentMessage = agentMessage;
    }

    public string SocketPath { get; }

    public string AgentMessage { get; }
}
