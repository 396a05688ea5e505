using System.Management.Automation;
using VolumeManager.Engine.Model;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Base of Get-VmVolume and Get-VmPlex: the -Node whose configuration to read, and the (group, volume) pairs it holds.</summary>
public abstract class VmVolumeQueryCmdlet : VmCmdlet
{
    /// <summary>The node whose configuration to read (default: the local node).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    protected string ReadNode => Node ?? Connection.LocalNode;

    /// <summary>The volumes of the disk groups that match <paramref name="groupPatterns"/> (all without), as <see cref="ReadNode"/> sees them.</summary>
    protected List<(DiskGroup Group, Volume Volume)> Volumes(string[]? groupPatterns)
    {
        if (ReadView(Node) is not { } view) return [];
        var groups = NameFilter.Apply(view.DiskGroups, g => g.Name, groupPatterns, this, "disk group", "DiskGroupNotFound");
        return groups.SelectMany(g => g.Volumes.Select(v => (g, v))).ToList();
    }
}
