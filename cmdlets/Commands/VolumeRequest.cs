using System.Management.Automation;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>What Write-VmVolume and Read-VmVolume share: name checks and turning a node's refusal into an error.</summary>
internal static class VolumeRequest
{
    public static void Validate(PSCmdlet cmdlet, string diskGroup, string volume)
    {
        foreach (var (name, what) in new[] { (diskGroup, "disk group"), (volume, "volume") })
            if (NameRules.Problem(name, what) is { } problem)
                cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException(problem), ErrorIds.InvalidName, ErrorCategory.InvalidArgument, name)
                    { ErrorDetails = new ErrorDetails(problem) });
    }

    /// <summary>True when the node did it; otherwise writes one error naming the node.</summary>
    public static bool Report(PSCmdlet cmdlet, string node, ControlResponse response)
    {
        if (response.Ok) return true;
        var text = $"node {node}: {response.Error}";
        cmdlet.WriteError(new ErrorRecord(new InvalidOperationException(text), response.ErrorId ?? ErrorIds.TransactionAborted,
            VmChangeCmdlet.Category(response.ErrorId ?? ""), node) { ErrorDetails = new ErrorDetails(text) });
        return false;
    }
}
