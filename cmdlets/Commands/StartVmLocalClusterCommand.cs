using System.Management.Automation;
using VolumeManager.Cmdlets.Hosting;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Cmdlets.Remoting;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Cluster;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Starts a real cluster on this machine: shared disk images, one state directory and one vmconfigd per node,
/// one endpoint per node; connects to it and makes it the default. On a -Path that holds a stopped local
/// cluster, starts that cluster again with all its state.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "VmLocalCluster")]
[OutputType(typeof(VmCluster))]
public sealed class StartVmLocalClusterCommand : VmCmdlet
{
    [Parameter] [ValidateRange(1, 64)] public int NodeCount { get; set; } = 3;
    [Parameter] [ValidateRange(1, 64)] public int DiskCount { get; set; } = 6;
    [Parameter] [ValidateRange(2L * 1024 * 1024, long.MaxValue)] public long DiskSize { get; set; } = 256L * 1024 * 1024;
    [Parameter(Position = 0)] public string? Path { get; set; }
    [Parameter] public LocalTransport Transport { get; set; } = LocalTransport.Local;
    [Parameter] public TimeSpan FailureTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>For test harnesses: start the agents with the fault hook enabled (crash or hold at a named protocol step).</summary>
    [Parameter(DontShow = true)] public SwitchParameter EnableFaultInjection { get; set; }

    protected override void ProcessRecord()
    {
        var root = GetUnresolvedProviderPathFromPSPath(Path ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vmcluster-" + Guid.NewGuid().ToString("N")[..8]));
        var created = !File.Exists(System.IO.Path.Combine(root, LocalClusterLayout.DefinitionFile));
        var definition = LoadOrCreate(root);
        var local = new LocalCluster(root, definition) { FaultInjection = EnableFaultInjection };
        var connected = false;
        try
        {
            WriteVerbose($"starting {definition.Nodes.Count} agents in {root}");
            Await(local.StartAgentsAsync);
            Await(local.StartEndpointsAsync);
            var cluster = Await(ct => ClusterConnector.ConnectAsync(definition, local.Transport.ToString(), this, ct));
            cluster.Connection.Local = local;
            DefaultCluster = cluster;
            connected = true;
            WriteObject(cluster);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            var id = e is Endpoints.EndpointOpenException ? ErrorIds.EndpointUnreachable : ErrorIds.AgentNotRunning;
            throw Terminate(e, id, ErrorCategory.OpenError, root);
        }
        finally
        {
            // A start that failed or was stopped leaves nothing running, and nothing on disk that it made itself.
            if (!connected) Abandon(local, created ? root : null);
        }
    }

    private static void Abandon(LocalCluster local, string? madeHere)
    {
        local.Dispose();
        if (madeHere is null) return;
        try { Directory.Delete(madeHere, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // the error already names the folder
    }

    private ClusterDefinition LoadOrCreate(string root)
    {
        var file = System.IO.Path.Combine(root, LocalClusterLayout.DefinitionFile);
        if (File.Exists(file)) return DefinitionFile.Load(file, this);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
            throw Terminate(new IOException($"The folder {root} is not empty and holds no {LocalClusterLayout.DefinitionFile}; give an empty or new folder."),
                "LocalClusterPathNotEmpty", ErrorCategory.ResourceExists, root);
        return LocalClusterLayout.Create(root, NodeCount, DiskCount, DiskSize, Transport, FailureTimeout);
    }
}
