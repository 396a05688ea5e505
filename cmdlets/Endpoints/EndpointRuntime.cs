namespace VolumeManager.Cmdlets.Endpoints;

/// <summary>
/// How a node endpoint's .NET runtime runs: test clusters give their endpoints these variables, and the sshd subsystem
/// line shipped for real hosts (examples/deploy/sshd-powershell.conf) sets the same. Every node of a test cluster
/// shares one machine's cores: idle thread-pool workers that spin took a third of the endpoints' CPU, and with
/// profile-guided tiering the endpoints were still recompiling after 60 changes (the 20 changes after those took twice
/// as long as the next 20). Without it a method is recompiled once, after 30 calls.
/// </summary>
public static class EndpointRuntime
{
    public static IReadOnlyDictionary<string, string> Variables { get; } = new Dictionary<string, string>
    {
        ["DOTNET_TieredPGO"] = "0",
        ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
    };
}
