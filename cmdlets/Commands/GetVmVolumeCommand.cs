using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Lists volumes as one node sees them: those of the shared disk groups and of that node's private ones.</summary>
[Cmdlet(VerbsCommon.Get, "VmVolume")]
[OutputType(typeof(VmVolume))]
public sealed class GetVmVolumeCommand : VmVolumeQueryCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    public string[]? DiskGroup { get; set; }

    /// <summary>Volume names (wildcards allowed). Not bound from the pipeline: a piped disk group's Name is not a volume's.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    [Alias("Volume")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var node = ReadNode;
        var stateDirectory = StateDirectoryOf(node);
        foreach (var (group, volume) in NameFilter.Apply(Volumes(DiskGroup), p => p.Volume.Name, Name, this, "volume", "VolumeNotFound"))
            WriteObject(VolumeMapper.ToObject(group, volume, node, stateDirectory));
    }
}
