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

    /// <summary>Existing disk image files or block devices (e.g. loop devices) to use instead of new images; their first MiB is overwritten.</summary>
    [Parameter] public string[]? Disk { get; set; }
    [Parameter] public LocalTransport Transport { get; set; } = LocalTransport.Local;
    [Parameter] public TimeSpan FailureTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Namespace: each node in its own network namespace with its own address, over SSH (root only).</summary>
    [Parameter] public LocalIsolation Isolation { get; set; } = LocalIsolation.None;

    /// <summary>For test harnesses: start the agents with the fault hook enabled (crash or hold at a named protocol step).</summary>
    [Parameter(DontShow = true)] public SwitchParameter EnableFaultInjection { get; set; }

    protected override void ProcessRecord()
    {
        if (Isolation == LocalIsolation.Namespace) CheckIsolation();
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
            cluster.Isolation = local.Network is null ? LocalIsolation.None : LocalIsolation.Namespace;
            cluster.Connection.Local = local;
            DefaultCluster = cluster;
            connected = true;
            WriteObject(cluster);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            var id = e is Endpoints.EndpointOpenException open ? open.ErrorId : ErrorIds.AgentNotRunning;
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
        var network = Isolation == LocalIsolation.Namespace ? NamespaceNetwork.Plan([.. Enumerable.Range(1, NodeCount).Select(i => $"n{i}")]) : null;
        return LocalClusterLayout.Create(root, NodeCount, DiskCount, DiskSize, network is null ? Transport : LocalTransport.Ssh, FailureTimeout, network,
            Disk is null ? null : ExistingDisks(Disk));
    }

    private void CheckIsolation()
    {
        try { NamespaceNetwork.RequireRoot(); }
        catch (UnauthorizedAccessException e) { throw Terminate(e, ErrorIds.NotRoot, ErrorCategory.PermissionDenied, "Namespace"); }
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Transport)) && Transport != LocalTransport.Ssh)
            throw Terminate(new ArgumentException("Namespace isolation reaches every node over SSH at its own address; leave out -Transport or give -Transport Ssh."),
                "IsolationNeedsSsh", ErrorCategory.InvalidArgument, Transport);
    }

    /// <summary>Full paths of -Disk, each an existing file or block device of at least 2 MiB; -DiskCount and -DiskSize do not apply.</summary>
    private List<string> ExistingDisks(string[] paths)
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(DiskCount)) || MyInvocation.BoundParameters.ContainsKey(nameof(DiskSize)))
            throw Terminate(new ArgumentException("-Disk uses the given files or devices as they are: leave out -DiskCount and -DiskSize."),
                "DiskParameterConflict", ErrorCategory.InvalidArgument, Disk);
        var full = new List<string>();
        foreach (var path in paths)
        {
            var resolved = GetUnresolvedProviderPathFromPSPath(path);
            string? problem = null;
            try
            {
                using var disk = new FileStream(resolved, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
                if (Hosting.DiskSize.Of(disk) < 2L * 1024 * 1024) problem = "it is smaller than 2 MiB";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { problem = e.Message; }
            if (problem is not null)
                throw Terminate(new IOException($"The disk '{path}' cannot be used: {problem}."), ErrorIds.DiskNotAccessible, ErrorCategory.OpenError, path);
            if (full.Contains(resolved))
                throw Terminate(new ArgumentException($"The disk '{path}' is named twice."), "DiskParameterConflict", ErrorCategory.InvalidArgument, path);
            full.Add(resolved);
        }
        return full;
    }
}
