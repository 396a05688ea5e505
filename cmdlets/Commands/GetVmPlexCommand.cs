using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Lists the plexes (mirrors) of volumes as one node sees them, with their state, size and subdisks.</summary>
[Cmdlet(VerbsCommon.Get, "VmPlex", DefaultParameterSetName = ByName)]
[OutputType(typeof(VmPlex))]
public sealed class GetVmPlexCommand : VmVolumeQueryCmdlet
{
    private const string ByName = "ByName";
    private const string ByVolume = "ByVolume";

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByName)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    public string[]? DiskGroup { get; set; }

    /// <summary>
    /// Volume names (wildcards allowed). Bound from a piped object's Volume property only: a piped disk group's
    /// Name is not a volume's; a piped VmVolume binds to -InputObject.
    /// </summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = ByName)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public string[]? Volume { get; set; }

    /// <summary>The volumes whose plexes to list (from Get-VmVolume); read again from -Node (default: the node each was read from).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByVolume)]
    public VmVolume[] InputObject { get; set; } = [];

    /// <summary>Plex names (wildcards allowed).</summary>
    [Parameter(Position = 2)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PlexNameCompleter))]
    [Alias("Plex")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ByVolume)
        {
            foreach (var volume in InputObject)
            {
                var keep = Node;
                Node ??= volume.Node;
                try { Write([volume.DiskGroup], [volume.Name]); }
                finally { Node = keep; }
            }
            return;
        }
        Write(DiskGroup, Volume);
    }

    private void Write(string[]? groups, string[]? volumes)
    {
        var node = ReadNode;
        var selected = NameFilter.Apply(Volumes(groups), p => p.Volume.Name, volumes, this, "volume", "VolumeNotFound");
        var plexes = selected.SelectMany(p => p.Volume.Plexes.Select(plex => (p.Group, p.Volume, Plex: plex)));
        foreach (var (group, volume, plex) in NameFilter.Apply(plexes, p => p.Plex.Name, Name, this, "plex", "PlexNotFound"))
            WriteObject(VolumeMapper.ToObject(group, volume, plex, node));
    }
}
