using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Engine.DesiredState;
using VolumeManager.Engine.Initiation;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Compares a desired-state file with the live cluster: $true when they match; -Detailed lists each drift instead.</summary>
[Cmdlet(VerbsDiagnostic.Test, "VmConfiguration")]
[OutputType(typeof(bool), typeof(VmConfigurationDrift))]
public sealed class TestVmConfigurationCommand : VmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = "";

    /// <summary>One VmConfigurationDrift per difference instead of $true/$false; nothing when the cluster matches.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecord()
    {
        var desired = ConfigurationSource.Load(Path, this);
        LiveConfiguration live;
        try { live = Await(ct => ConfigurationSource.ReadLiveAsync(Connection, ct)); }
        catch (EndpointException e) { throw Terminate(e, e.ErrorId, VmChangeCmdlet.Category(e.ErrorId), e.Node); }
        var plan = ConfigurationPlanner.Plan(desired, live, prune: false);
        foreach (var drift in plan.Drifts) WriteVerbose(drift.Message);
        if (!Detailed) WriteObject(plan.InDesiredState);
        else foreach (var drift in plan.Drifts) WriteObject(ConfigurationSource.ToObject(drift));
    }
}
