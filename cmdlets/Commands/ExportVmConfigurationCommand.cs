using System.Management.Automation;
using System.Text;
using VolumeManager.Engine.DesiredState;
using VolumeManager.Engine.Initiation;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Writes the live cluster's disk groups and volumes as a desired-state file, the format Invoke-VmConfiguration reads.</summary>
[Cmdlet(VerbsData.Export, "VmConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportVmConfigurationCommand : VmCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Path { get; set; } = "";

    /// <summary>Refuse to overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Return the file written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var full = GetUnresolvedProviderPathFromPSPath(Path);
        if (NoClobber && File.Exists(full))
            throw Terminate(new IOException($"The file {full} already exists; -NoClobber refuses to overwrite it."), "ConfigurationFileExists", ErrorCategory.ResourceExists, Path);
        LiveConfiguration live;
        try { live = Await(ct => ConfigurationSource.ReadLiveAsync(Connection, ct)); }
        catch (EndpointException e) { throw Terminate(e, e.ErrorId, VmChangeCmdlet.Category(e.ErrorId), e.Node); }
        var text = DesiredStateYaml.Write(live.ToDesired());
        if (!ShouldProcess($"{full}: {live.DiskGroups.Count} disk group(s), {live.DiskGroups.Sum(g => g.Volumes.Count)} volume(s) of cluster {TargetCluster.Name}", "Export configuration")) return;
        try { File.WriteAllText(full, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Terminate(e, "ConfigurationFileNotWritten", ErrorCategory.WriteError, Path);
        }
        // Through the provider, so the item carries PSPath and pipes into Get-Content.
        if (PassThru) WriteObject(InvokeProvider.Item.Get([full], force: false, literalPath: true), enumerateCollection: true);
    }
}
