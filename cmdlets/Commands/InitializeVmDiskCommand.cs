using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Writes a disk's private region: its identity and an empty configuration copy area.</summary>
[Cmdlet(VerbsData.Initialize, "VmDisk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(VmDisk))]
public sealed class InitializeVmDiskCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    public string Path { get; set; } = "";

    /// <summary>Overwrite a private region that is already there.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (NameRules.Problem(Name, "disk") is { } problem) Fail(new ArgumentException(problem), ErrorIds.InvalidName, ErrorCategory.InvalidArgument, Name);
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(path)) Fail(new FileNotFoundException($"No disk or image file at {path}."), ErrorIds.DiskNotFound, ErrorCategory.ObjectNotFound, Path);
        using var device = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (device.Length < PrivateRegion.Size * 2)
            Fail(new ArgumentException($"{path} is {device.Length} bytes; a disk needs at least {PrivateRegion.Size * 2} (a 1 MiB private region and some public space)."), ErrorIds.InvalidSize, ErrorCategory.InvalidArgument, Path);
        var head = new byte[PrivateRegion.Size];
        device.ReadExactly(head);
        if (PrivateRegion.Decode(head).Content is { } existing && !Force)
            Fail(new InvalidOperationException($"{path} is already disk '{existing.DiskName}'{(string.IsNullOrEmpty(existing.DiskGroup) ? "" : $" of disk group '{existing.DiskGroup}'")}; use -Force to overwrite it."),
                ErrorIds.DiskInUse, ErrorCategory.ResourceExists, Path);
        if (!ShouldProcess(path, $"Write the private region of disk '{Name}'")) return;
        var content = new PrivateRegionContent { DiskId = Guid.NewGuid(), DiskName = Name };
        device.Position = 0;
        device.Write(PrivateRegion.Encode(content));
        device.Flush(flushToDisk: true);
        WriteObject(new VmDisk { Name = Name, Id = content.DiskId, Path = path, Size = device.Length - PrivateRegion.Size, State = "Free" });
    }

    private void Fail(Exception e, string id, ErrorCategory category, object target) =>
        ThrowTerminatingError(new ErrorRecord(e, id, category, target) { ErrorDetails = new ErrorDetails(e.Message) });
}
