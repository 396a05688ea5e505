using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Lists disk groups as one node sees them: the shared ones and that node's private ones.</summary>
[Cmdlet(VerbsCommon.Get, "VmDiskGroup")]
[OutputType(typeof(VmDiskGroup))]
public sealed class GetVmDiskGroupCommand : VmCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(DiskGroupNameCompleter))]
    [Alias("DiskGroup")]
    public string[]? Name { get; set; }

    /// <summary>The node whose configuration to read (default: the local node).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    protected override void ProcessRecord()
    {
        if (ReadView(Node) is not { } view) return;
        var node = Node ?? Connection.LocalNode;
        foreach (var group in NameFilter.Apply(view.DiskGroups, g => g.Name, Name, this, "disk group", "DiskGroupNotFound"))
            WriteObject(ObjectMapper.ToObject(group, node));
    }
}
