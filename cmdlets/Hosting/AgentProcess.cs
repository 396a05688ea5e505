using System.Diagnostics;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Transport;

namespace VolumeManager.Cmdlets.Hosting;

/// <summary>A node's vmconfigd started by this session, and the wait until it has joined the cluster.</summary>
internal sealed class AgentProcess(string clusterFile, NodeDefinition node)
{
    /// <summary>The parent process's id, for an agent that must end with the session that started it (read by vmconfigd).</summary>
    public const string ParentVariable = "VMCONFIGD_PARENT_PID";

    public NodeDefinition Node { get; } = node;

    /// <summary>A command prefix the agent is started under, e.g. <c>ip netns exec NS</c> (it execs, so the pid is the agent's).</summary>
    public IReadOnlyList<string> Launcher { get; init; } = [];

    /// <summary>
    /// The agent's arguments exactly as the shipped systemd unit gives them (deploy/vmconfigd.service):
    /// <c>--cluster &lt;cluster.yaml&gt; --node &lt;name&gt;</c>. The tie to this session goes through the environment.
    /// </summary>
    public static string[] Arguments(string clusterFile, string node) => ["--cluster", clusterFile, "--node", node];
    public Process? Process { get; private set; }
    public string SocketPath => new StateFiles(Node.StateDirectory).Socket;
    public string TokenPath => new StateFiles(Node.StateDirectory).Token;
    public string PidPath => new StateFiles(Node.StateDirectory).Pid;

    public void Start(IReadOnlyDictionary<string, string>? environment = null)
    {
        string[] command = [.. Launcher, ModuleLayout.ExecutableAgentPath(), .. Arguments(clusterFile, Node.Name)];
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var argument in command[1..]) start.ArgumentList.Add(argument);
        start.Environment[ParentVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        Process = Process.Start(start) ?? throw new InvalidOperationException($"vmconfigd for node {Node.Name} did not start.");
        Process.OutputDataReceived += (_, _) => { };
        Process.ErrorDataReceived += (_, _) => { };
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    /// <summary>Waits until the agent answers on its socket as a joined member; fails naming the node and its log.</summary>
    public async Task WaitJoinedAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (Process is { HasExited: true } exited)
                throw new InvalidOperationException($"vmconfigd for node {Node.Name} exited with code {exited.ExitCode}; see {Path.Combine(Node.StateDirectory, "vmconfigd.log")}.");
            if (await IsJoinedAsync(ct)) return;
            await Task.Delay(50, ct);
        }
        throw new TimeoutException($"vmconfigd for node {Node.Name} did not join within {timeout.TotalSeconds:0} s; see {Path.Combine(Node.StateDirectory, "vmconfigd.log")}.");
    }

    private async Task<bool> IsJoinedAsync(CancellationToken ct)
    {
        if (!File.Exists(SocketPath) || !File.Exists(TokenPath)) return false;
        try
        {
            using var client = new ControlClient(SocketPath, NodeToken.Read(TokenPath));
            var reply = await client.RequestAsync(WireJson.Serialize<ControlRequest>(new ViewQuery()), TimeSpan.FromSeconds(2), ct);
            var view = WireJson.Deserialize<ControlResponse>(reply).View;
            return view?.Members.Any(m => m.Name == Node.Name && m.State == Engine.Model.MemberState.Joined) == true;
        }
        catch (Exception e) when (e is AgentUnreachableException or TimeoutException or IOException) { return false; }
    }

    /// <summary>Ends the agent by its process id (this session's process, or the one in its pid file).</summary>
    public void Kill()
    {
        var pid = Process is { HasExited: false } p ? p.Id : ReadPid();
        if (pid is null) return;
        try
        {
            using var victim = System.Diagnostics.Process.GetProcessById(pid.Value);
            if (victim.ProcessName.StartsWith("vmconfigd", StringComparison.Ordinal)) { victim.Kill(); victim.WaitForExit(5000); }
        }
        catch (ArgumentException) { }
        Process?.Dispose();
        Process = null;
    }

    public bool IsRunning => (Process is { HasExited: false }) || (ReadPid() is { } pid && Alive(pid));

    private int? ReadPid() => File.Exists(PidPath) && int.TryParse(File.ReadAllText(PidPath).Trim(), out var pid) ? pid : null;

    /// <summary>A vmconfigd with that id that has not exited (a killed agent its parent has not reaped yet is not running).</summary>
    private static bool Alive(int pid) =>
        Endpoints.ProcessTools.CommandLine(pid) is [var program, ..] && Path.GetFileName(program).StartsWith("vmconfigd", StringComparison.Ordinal);
}
