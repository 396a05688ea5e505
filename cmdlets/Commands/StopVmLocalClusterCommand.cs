using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Cmdlets.Remoting;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Stops a local cluster's agents and endpoints; -Remove also deletes its files.</summary>
[Cmdlet(VerbsLifecycle.Stop, "VmLocalCluster", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class StopVmLocalClusterCommand : VmCmdlet
{
    [Parameter(ValueFromPipeline = true, Position = 0)]
    public VmCluster? InputObject { get; set; }

    [Parameter]
    public SwitchParameter Remove { get; set; }

    protected override void ProcessRecord()
    {
        var cluster = InputObject ?? TargetCluster;
        var local = cluster.Connection.Local;
        if (local is null)
            throw Terminate(new InvalidOperationException($"Cluster {cluster.Name} was not started by Start-VmLocalCluster in this session."),
                "NotALocalCluster", ErrorCategory.InvalidOperation, cluster.Name);
        if (!ShouldProcess($"local cluster {cluster.Name} at {local.Root}", Remove ? "Stop and delete" : "Stop")) return;
        cluster.Connection.Dispose();
        local.Dispose();
        if (ReferenceEquals(DefaultCluster, cluster)) DefaultCluster = null;
        if (Remove) Directory.Delete(local.Root, recursive: true);
    }
}
