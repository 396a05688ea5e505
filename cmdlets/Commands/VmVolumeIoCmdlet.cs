using System.Management.Automation;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Base of Write-VmVolume and Read-VmVolume: which volume, where in it, and through which node's kernel.</summary>
public abstract class VmVolumeIoCmdlet : VmCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    public string DiskGroup { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    [Alias("Name")]
    public string Volume { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>The node whose kernel carries the I/O (default: the local node).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    protected string TargetNode => Node ?? Connection.LocalNode;

    /// <summary>Sends the request to the node's agent; the answer when it did it, null after writing one error naming the node.</summary>
    protected ControlResponse? Send(ControlRequest request)
    {
        VolumeRequest.Validate(this, DiskGroup, Volume);
        var response = Await(ct => Connection.Endpoint(TargetNode).RequestAsync(request, ct));
        return VolumeRequest.Report(this, TargetNode, response) ? response : null;
    }
}
