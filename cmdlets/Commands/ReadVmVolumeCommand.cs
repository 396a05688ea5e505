using System.Management.Automation;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Reads bytes from a volume through one node's kernel, from an active plex.</summary>
[Cmdlet(VerbsCommunications.Read, "VmVolume")]
[OutputType(typeof(byte[]))]
public sealed class ReadVmVolumeCommand : VmVolumeIoCmdlet
{
    [Parameter(Mandatory = true)]
    [ValidateRange(0, 64 * 1024 * 1024)]
    public int Length { get; set; }

    protected override void ProcessRecord()
    {
        if (Send(new VolumeReadRequest { DiskGroup = DiskGroup, Volume = Volume, Offset = Offset, Length = Length }) is { } response)
            WriteObject(response.Data ?? [], enumerateCollection: false);
    }
}
