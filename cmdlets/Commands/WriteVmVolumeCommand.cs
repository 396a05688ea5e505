using System.Management.Automation;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Writes bytes to a volume through one node's kernel: to every plex, answered when durable.</summary>
[Cmdlet(VerbsCommunications.Write, "VmVolume", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class WriteVmVolumeCommand : VmVolumeIoCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public byte[] InputObject { get; set; } = [];

    protected override void ProcessRecord()
    {
        VolumeRequest.Validate(this, DiskGroup, Volume);
        if (!ShouldProcess($"volume '{Volume}' of disk group '{DiskGroup}', bytes {Offset} to {Offset + InputObject.Length}, through node {TargetNode}", "Write")) return;
        Send(new VolumeWriteRequest { DiskGroup = DiskGroup, Volume = Volume, Offset = Offset, Data = InputObject });
    }
}
