using System.Management.Automation;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Reads bytes from a volume through one node's kernel, from an active plex.</summary>
[Cmdlet(VerbsCommunications.Read, "VmVolume")]
[OutputType(typeof(byte[]))]
public sealed class ReadVmVolumeCommand : VmCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string DiskGroup { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    public string Volume { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateRange(0, 64 * 1024 * 1024)]
    public int Length { get; set; }

    [Parameter]
    public string? Node { get; set; }

    protected override void ProcessRecord()
    {
        VolumeRequest.Validate(this, DiskGroup, Volume);
        var node = Node ?? Connection.LocalNode;
        var request = new VolumeReadRequest { DiskGroup = DiskGroup, Volume = Volume, Offset = Offset, Length = Length };
        var response = Await(ct => Connection.Endpoint(node).RequestAsync(request, ct));
        if (VolumeRequest.Report(this, node, response)) WriteObject(response.Data ?? [], enumerateCollection: false);
    }
}
