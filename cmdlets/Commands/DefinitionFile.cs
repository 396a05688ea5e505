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
        try { return Read(full); }
        catch (ConfigurationFormatException e)
        {
            throw Fail(cmdlet, e, "InvalidClusterDefinition", ErrorCategory.InvalidData, path);
        }
    }

    /// <summary>The definition kept at <paramref name="path"/> (absolute), its relative paths resolved against that file's folder.</summary>
    /// <exception cref="ConfigurationFormatException">The file is not a valid cluster definition.</exception>
    public static ClusterDefinition Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>A definition's text as if kept at <paramref name="path"/> (absolute): relative paths resolve against that file's folder.</summary>
    /// <exception cref="ConfigurationFormatException">The text is not a valid cluster definition.</exception>
    public static ClusterDefinition Parse(string text, string path) => ClusterDefinitionYaml.Parse(text, path, Path.GetDirectoryName(path));

    private static Exception Fail(VmCmdlet cmdlet, Exception e, string id, ErrorCategory category, string target)
    {
        cmdlet.ThrowTerminatingError(new ErrorRecord(e, id, category, target) { ErrorDetails = new ErrorDetails(e.Message) });
        return e;
    }
}
