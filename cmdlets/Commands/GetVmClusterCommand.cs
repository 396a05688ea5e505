using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>The connected cluster, refreshed: epoch, master, members and generation.</summary>
[Cmdlet(VerbsCommon.Get, "VmCluster")]
[OutputType(typeof(VmCluster))]
public sealed class GetVmClusterCommand : VmCmdlet
{
    protected override void ProcessRecord()
    {
        var cluster = TargetCluster;
        ClusterFacts.Refresh(cluster, Await(ct => Connection.ViewAsync(null, ct)));
        WriteObject(cluster);
    }
}
