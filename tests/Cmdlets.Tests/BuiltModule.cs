using System.Xml.Linq;

namespace VolumeManager.Cmdlets.Tests;

/// <summary>
/// Where the module built by <c>build.ps1 -Task Build</c> lies: output/VolumeManager/&lt;version&gt;/ under the
/// repository root (the folder that holds VolumeManager.slnx, found by walking up from this assembly).
/// These tests never import the source tree.
/// </summary>
internal static class BuiltModule
{
    public const string Name = "VolumeManager";

    private static readonly Lazy<string> root = new(FindRepositoryRoot);
    private static readonly Lazy<string> version = new(ReadVersion);

    public static string RepositoryRoot => root.Value;

    /// <summary>The module version, from Directory.Build.props (build.ps1 takes it from there too).</summary>
    public static string Version => version.Value;

    /// <summary>output/VolumeManager/&lt;version&gt;: the module folder as installed.</summary>
    public static string Directory => Path.Combine(RepositoryRoot, "output", Name, Version);

    public static string BinDirectory => Path.Combine(Directory, "bin");

    /// <summary>The built manifest; throws with what to run when the module has not been built.</summary>
    public static string Manifest
    {
        get
        {
            var manifest = Path.Combine(Directory, Name + ".psd1");
            if (!File.Exists(manifest) || !File.Exists(Path.Combine(Directory, Name + ".dll")))
                throw new InvalidOperationException(
                    $"The built module is missing: {manifest} (and {Name}.dll beside it) not found. These tests import the module " +
                    "as build.ps1 lays it out under output/; run 'dotnet pwsh ./build.ps1 -Task Build' first " +
                    "('-Task Test' builds before it tests).");
            return manifest;
        }
    }

    private static string FindRepositoryRoot()
    {
        var start = Path.GetDirectoryName(typeof(BuiltModule).Assembly.Location)!;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VolumeManager.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No folder above {start} holds VolumeManager.slnx: the tests must run from the repository's build output.");
    }

    private static string ReadVersion()
    {
        var props = Path.Combine(RepositoryRoot, "Directory.Build.props");
        var value = XDocument.Load(props).Descendants("VersionPrefix").FirstOrDefault()?.Value.Trim();
        return string.IsNullOrEmpty(value) ? throw new InvalidOperationException($"{props} has no <VersionPrefix>.") : value;
    }
}
