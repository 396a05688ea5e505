using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Adds initialised, free disks to a disk group, in one transaction.</summary>
[Cmdlet(VerbsCommon.Add, "VmDisk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmDiskGroup), typeof(VmNodeCheckResult))]
public sealed class AddVmDiskCommand : VmDiskGroupChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(GroupDiskNameCompleter))]
    [Alias("Name")]
    public string[] Disk { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var disk in Disk) ValidateName(disk, "disk");
        var target = ResolveGroup();
        var disks = Disk.Distinct(StringComparer.Ordinal).ToList();
        if (!CheckOnly && !ShouldProcess($"{target}: add {Plural(disks.Count)} {string.Join(", ", disks)}", "Add disk")) return;
        var operation = new AddDisk { DiskGroup = target.Name, Disks = disks.Select(d => new DiskRef { Name = d }).ToList() };
        if (Change(target, operation, Disk.Length == 1 ? Disk[0] : Disk) is not { } outcome) return;
        if (After(target, outcome) is { } group) WriteObject(ObjectMapper.ToObject(group, ResultNode(target, outcome)));
    }

    internal static string Plural(int count) => count == 1 ? "disk" : "disks";
}
