namespace VolumeManager.Cmdlets.Hosting;

/// <summary>Where the installed module keeps its parts: the agent beside the cmdlets, the module root on PSModulePath.</summary>
internal static class ModuleLayout
{
    public static string VersionFolder => Path.GetDirectoryName(typeof(ModuleLayout).Assembly.Location)!;

    /// <summary>The folder that holds VolumeManager/&lt;version&gt;/, for a child's PSModulePath.</summary>
    public static string ModulesRoot => Path.GetDirectoryName(Path.GetDirectoryName(VersionFolder))!;

    public static string ManifestPath => Path.Combine(VersionFolder, "VolumeManager.psd1");

    public static string AgentPath => Path.Combine(VersionFolder, "agent", OperatingSystem.IsWindows() ? "vmconfigd.exe" : "vmconfigd");

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
