using VolumeManager.Agent.Hosting;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Agent;

/// <summary>vmconfigd --cluster &lt;cluster.yaml&gt; --node &lt;name&gt;</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (Arguments.Parse(args) is not { } arguments)
        {
            Console.Error.WriteLine("usage: vmconfigd --cluster <cluster.yaml> --node <name> [--parent-pid <pid>]");
            return 2;
        }
        ClusterDefinition cluster;
        try
        {
            var file = Path.GetFullPath(arguments.ClusterFile);
            if (!await WaitForDefinitionAsync(file, arguments.ParentPid ?? ParentFromEnvironment())) return 0;
            cluster = ClusterDefinitionYaml.Parse(File.ReadAllText(file), file, Path.GetDirectoryName(file));
        }
        catch (Exception e) when (e is ConfigurationFormatException or IOException)
        {
            Console.Error.WriteLine($"vmconfigd: {e.Message}");
            return 2;
        }
        var node = cluster.Nodes.FirstOrDefault(n => n.Name == arguments.Node);
        if (node is null)
        {
            Console.Error.WriteLine($"vmconfigd: node '{arguments.Node}' is not defined in {arguments.ClusterFile}.");
            return 2;
        }
        using var state = new StateDirectory(node.StateDirectory);
        state.Lock();
        using var log = new AgentLog(state.Files.Log, node.Name);
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        await using var host = new AgentHost(cluster, node, state, log, new FaultHook(Environment.GetEnvironmentVariable(FaultHook.Variable) == "1", log));
        if ((arguments.ParentPid ?? ParentFromEnvironment()) is { } parent) _ = ParentWatch.StopWhenGoneAsync(parent, stop, log);
        try { await host.RunAsync(stop.Token); }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { log.Write("stopping"); }
        catch (Exception e) when (e is Engine.Storage.JournalDamagedException or Engine.Serialization.ConfigurationFormatException or Storage.SerialSplitBrainException)
        {
            // The durable state cannot be trusted: the agent does not start on a guess.
            log.Write($"fatal: {e.Message}");
            Console.Error.WriteLine($"vmconfigd: {e.Message}");
            return 3;
        }
        catch (Exception e) { log.Write($"fatal: {e}"); return 1; }
        return 0;
    }

    /// <summary>
    /// A new node's host runs its agent (systemctl enable --now vmconfigd) before it has a cluster definition:
    /// Add-VmNode hands it one (the key first, then the definition, each written whole), and the agent starts from it.
    /// </summary>
    /// <returns>False when the process that started a test cluster's agent went away first.</returns>
    private static async Task<bool> WaitForDefinitionAsync(string file, int? parent)
    {
        if (File.Exists(file)) return true;
        Console.Error.WriteLine($"vmconfigd: waiting for the cluster definition at {file} (Add-VmNode hands it to a new node)");
        while (!File.Exists(file))
        {
            if (parent is { } pid && !ParentWatch.Alive(pid)) return false;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        return true;
    }

    /// <summary>VMCONFIGD_PARENT_PID: a test cluster ties its agents to its session without changing their command line.</summary>
    private static int? ParentFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("VMCONFIGD_PARENT_PID"), out var pid) && pid > 0 ? pid : null;
}

/// <summary>--cluster and --node; --parent-pid ties a test cluster's agent to the process that started it.</summary>
internal sealed record Arguments(string ClusterFile, string Node, int? ParentPid)
{
    public static Arguments? Parse(string[] args)
    {
        string? cluster = null, node = null;
        int? parent = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--cluster") cluster = args[i + 1];
            else if (args[i] == "--node") node = args[i + 1];
            else if (args[i] == "--parent-pid" && int.TryParse(args[i + 1], out var pid)) parent = pid;
            else return null;
        }
        return cluster is null || node is null ? null : new Arguments(cluster, node, parent);
    }
}
