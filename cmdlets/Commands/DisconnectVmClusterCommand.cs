using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Cmdlets.Remoting;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Closes the sessions a Connect-VmCluster opened; sessions the user passed in stay open.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "VmCluster")]
[OutputType(typeof(void))]
public sealed class DisconnectVmClusterCommand : VmCmdlet
{
    [Parameter(ValueFromPipeline = true, Position = 0)]
    public VmCluster? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        var cluster = InputObject ?? TargetCluster;
        if (cluster.Connection.Local is not null)
            WriteWarning($"Cluster {cluster.Name} runs on this machine; its agents keep running. Stop-VmLocalCluster stops them.");
        cluster.Connection.Dispose();
        if (ReferenceEquals(DefaultCluster, cluster)) DefaultCluster = null;
    }
}
