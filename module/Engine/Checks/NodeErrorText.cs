namespace VolumeManager.Engine.Checks;

/// <summary>
/// The sentence an administrator reads for a failing node: it names the node once, at the start, and an error id about
/// the agent itself reads the same whichever layer saw it (the control socket, the remoting endpoint, the master).
/// </summary>
public static class NodeErrorText
{
    public static string Describe(string node, string errorId, string reason) => errorId switch
    {
        ErrorIds.AgentNotRunning => $"node {node}: the agent is not running (no vmconfigd answers there, or it has not joined the cluster).",
        ErrorIds.AgentWentAway => $"node {node}: the agent went away during the change.",
        _ => reason.StartsWith($"node {node}", StringComparison.Ordinal) ? reason : $"node {node}: {reason}",
    };
}
