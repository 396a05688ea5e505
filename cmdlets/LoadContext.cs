using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace VolumeManager.Cmdlets;

/// <summary>
/// Loads the engine and its third-party dependencies (YamlDotNet) from the module's bin folder into a
/// private AssemblyLoadContext, so another module's copy of YamlDotNet can never collide with ours.
/// </summary>
internal sealed class PrivateLoadContext(string folder) : AssemblyLoadContext("VolumeManager", isCollectible: false)
{
    public string Folder { get; } = folder;

    protected override Assembly? Load(AssemblyName name)
    {
        var path = Path.Combine(Folder, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}

/// <summary>
/// Hooks the default load context so the cmdlets' references to the engine resolve from the private one.
/// VolumeManager.psm1 calls <see cref="Register"/> before PowerShell inspects the cmdlet types, which
/// implement engine interfaces; OnImport alone would run too late.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly PrivateLoadContext Context =
        new(Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "bin"));
    private static int registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0) AssemblyLoadContext.Default.Resolving += ResolveFromBin;
    }

    public void OnImport() => Register();

    public void OnRemove(PSModuleInfo module)
    {
        if (Interlocked.Exchange(ref registered, 0) == 1) AssemblyLoadContext.Default.Resolving -= ResolveFromBin;
    }

    private static Assembly? ResolveFromBin(AssemblyLoadContext context, AssemblyName name) =>
        File.Exists(Path.Combine(Context.Folder, name.Name + ".dll")) ? Context.LoadFromAssemblyName(name) : null;
}
