using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;
using VolumeManager.Cmdlets.Remoting;
using VolumeManager.Engine.DesiredState;
using VolumeManager.Engine.Initiation;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>What the desired-state commands share: reading a state file (malformed → a terminating error before anything is sent) and the live configuration.</summary>
internal static class ConfigurationSource
{
    public const string FileInvalid = "ConfigurationFileInvalid";
    public const string FileNotFound = "ConfigurationFileNotFound";

    public static DesiredConfiguration Load(string path, VmCmdlet cmdlet)
    {
        var full = cmdlet.GetUnresolvedProviderPathFromPSPath(path);
        if (!File.Exists(full))
            throw Fail(cmdlet, new FileNotFoundException($"The desired-state file {full} does not exist."), FileNotFound, ErrorCategory.ObjectNotFound, path);
        try { return DesiredStateYaml.Parse(File.ReadAllText(full), full); }
        catch (ConfigurationFormatException e) { throw Fail(cmdlet, e, FileInvalid, ErrorCategory.InvalidData, path); }
    }

    /// <summary>
    /// Every member's view, read through its own endpoint: shared disk groups from the first, each node's private groups from its own.
    /// A member whose view cannot be read is an <see cref="EndpointException"/> naming it: its private groups would be unknown.
    /// </summary>
    public static async Task<LiveConfiguration> ReadLiveAsync(ClusterConnection connection, CancellationToken ct)
    {
        var firstNode = connection.LocalNode;
        var first = await connection.Endpoint(firstNode).GetViewAsync(ct);
        var others = first.ActiveMembers.Select(m => m.Name).Where(n => n != firstNode).ToList();
        var views = await Task.WhenAll(others.Select(async node => (node, await connection.Endpoint(node).GetViewAsync(ct))));
        return LiveConfiguration.From([(firstNode, first), .. views]);
    }

    public static VmConfigurationDrift ToObject(Drift drift) => new()
    {
        Kind = drift.Kind.ToString(), DiskGroup = drift.DiskGroup, Volume = drift.Volume, Expected = drift.Expected, Actual = drift.Actual,
        Resolution = drift.Resolution.ToString(), Message = drift.Message,
    };

    private static Exception Fail(VmCmdlet cmdlet, Exception e, string id, ErrorCategory category, string target)
    {
        cmdlet.ThrowTerminatingError(new ErrorRecord(e, id, category, target) { ErrorDetails = new ErrorDetails(e.Message) });
        return e;
    }
}
