using System.Management.Automation;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Writes bytes to a volume through one node's kernel: to every plex, answered when durable.</summary>
[Cmdlet(VerbsCommunications.Write, "VmVolume", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class WriteVmVolumeCommand : VmCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string DiskGroup { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    public string Volume { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    [Parameter(Mandatory = true, Position = 0)]
    public byte[] InputObject { get; set; } = [];

    /// <summary>The node whose kernel carries the write (default: the local node).</summary>
    [Parameter]
    public string? Node { get; set; }

    protected override void ProcessRecord()
    {
        VolumeRequest.Validate(this, DiskGroup, Volume);
        var node = Node ?? Connection.LocalNode;
        if (!ShouldProcess($"volume '{Volume}' of disk group '{DiskGroup}', bytes {Offset} to {Offset + InputObject.Length}, through node {node}", "Write")) return;
        var request = new VolumeWriteRequest { DiskGroup = DiskGroup, Volume = Volume, Offset = Offset, Data = InputObject };
        VolumeRequest.Report(this, node, Await(ct => Connection.Endpoint(node).RequestAsync(request, ct)));
    }
}
