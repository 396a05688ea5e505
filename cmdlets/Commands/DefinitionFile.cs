using System.Management.Automation;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Reads a cluster definition file; a malformed one is a terminating error naming the file, line and column.</summary>
internal static class DefinitionFile
{
    public static ClusterDefinition Load(string path, VmCmdlet cmdlet)
    {
        var full = cmdlet.GetUnresolvedProviderPathFromPSPath(path);
        if (!File.Exists(full))
            throw Fail(cmdlet, new FileNotFoundException($"The cluster definition {full} does not exist."), "ClusterDefinitionNotFound", ErrorCategory.ObjectNotFound, path);
        try
        {
            var definition = ClusterDefinitionYaml.Parse(File.ReadAllText(full), full, Path.GetDirectoryName(full)!);
            definition.SourcePath = full;
            return definition;
        }
        catch (ConfigurationFormatException e)
        {
            throw Fail(cmdlet, e, "InvalidClusterDefinition", ErrorCategory.InvalidData, path);
        }
    }

    private static Exception Fail(VmCmdlet cmdlet, Exception e, string id, ErrorCategory category, string target)
    {
        cmdlet.ThrowTerminatingError(new ErrorRecord(e, id, category, target) { ErrorDetails = new ErrorDetails(e.Message) });
        return e;
    }
}
