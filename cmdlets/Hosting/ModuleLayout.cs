namespace VolumeManager.Cmdlets.Hosting;

/// <summary>Where the installed module keeps its parts: the agent beside the cmdlets, the module root on PSModulePath.</summary>
internal static class ModuleLayout
{
    public static string VersionFolder => Path.GetDirectoryName(typeof(ModuleLayout).Assembly.Location)!;

    /// <summary>The folder that holds VolumeManager/&lt;version&gt;/, for a child's PSModulePath.</summary>
    public static string ModulesRoot => Path.GetDirectoryName(Path.GetDirectoryName(VersionFolder))!;

    public static string ManifestPath => Path.Combine(VersionFolder, "VolumeManager.psd1");

    /// <summary>The node-side manifest a node's restricted endpoint imports (Test-VmProposal, Invoke-VmKernelCommit, Invoke-VmAgentRequest).</summary>
    public static string NodeManifestPath => Path.Combine(VersionFolder, "node", "VolumeManager.Node.psd1");

    public static string AgentPath => Path.Combine(VersionFolder, "agent", OperatingSystem.IsWindows() ? "vmconfigd.exe" : "vmconfigd");

    /// <summary>
    /// The agent, executable: a module installed from its package (Install-PSResource) comes out of a zip that
    /// keeps no Unix file modes, so the first start gives the owner the right to run it.
    /// </summary>
    public static string ExecutableAgentPath()
    {
        var path = AgentPath;
        if (OperatingSystem.IsWindows()) return path;
        var mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.UserExecute)) File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>The pwsh launcher of the PowerShell running this module, for sshd subsystems and child endpoints.</summary>
    public static string PwshPath => Path.Combine(Path.GetDirectoryName(typeof(System.Management.Automation.PSObject).Assembly.Location)!, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");

    public static string ChildModulePath
    {
        get
        {
            var inherited = Environment.GetEnvironmentVariable("PSModulePath");
            return string.IsNullOrEmpty(inherited) ? ModulesRoot : ModulesRoot + Path.PathSeparator + inherited;
        }
    }
}
