using System.Text;

namespace VolumeManager.Cmdlets.Endpoints;

/// <summary>
/// The restricted session configuration of a node's endpoint (a .pssc file, applied with <c>pwsh -ConfigurationFile</c>
/// by the sshd subsystem line or the local child endpoint): a RestrictedRemoteServer session in NoLanguage mode that
/// imports the node-side manifest and makes only the node-side commands visible, with the few commands PowerShell
/// remoting itself needs. Anything else sent to the node's endpoint is refused.
/// </summary>
public static class NodeSessionConfiguration
{
    public const string FileName = "VolumeManager.Node.pssc";

    /// <summary>What the fan-out calls on a node, and all a node's endpoint offers besides remoting's own proxies.</summary>
    public static readonly string[] NodeCommands = ["Test-VmProposal", "Invoke-VmKernelCommit", "Invoke-VmAgentRequest", "Install-VmClusterDefinition"];

    /// <summary>The configuration's text for a node whose module's node manifest is at <paramref name="nodeManifest"/>.</summary>
    public static string Text(string nodeManifest)
    {
        if (nodeManifest.Contains('\'') || nodeManifest.Contains('\n') || nodeManifest.Contains('\r'))
            throw new ArgumentException($"The node manifest path '{nodeManifest}' holds a quote or a line break; install the module under a plain path.", nameof(nodeManifest));
        return $$"""
            # VolumeManager node endpoint: only the node-side commands, no script (written by VolumeManager; see README "Deploying to real hosts").
            @{
                SchemaVersion = '2.0.0.0'
                GUID = '0f5f1a52-8e4e-4d3c-b5e4-2e6c8b7d9a10'
                SessionType = 'RestrictedRemoteServer'
                LanguageMode = 'NoLanguage'
                ModulesToImport = '{{nodeManifest}}'
                VisibleCmdlets = {{string.Join(", ", NodeCommands.Select(c => $"'{c}'"))}}
            }

            """;
    }

    /// <summary>Writes the configuration to <paramref name="path"/> (owner read and write only) and returns the path.</summary>
    public static string Write(string path, string nodeManifest)
    {
        File.WriteAllText(path, Text(nodeManifest), new UTF8Encoding(false));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
