using System.Reflection;
using System.Runtime.Loader;

namespace VolumeManager.Cmdlets.Tests;

/// <summary>
/// The module keeps its engine and YamlDotNet out of the default load context: after cmdlets that use
/// both have run, each is loaded once, from the module's bin/ folder, in one non-default context.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class LoadContextTests(ModuleSession session) : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void EngineAndYamlDotNetLoadFromBinInAPrivateContext()
    {
        // Make the module use its engine (name rules) and YamlDotNet (reading a cluster definition).
        var badName = session.Run("New-VmDiskGroup -Name 'a;b' -Disk d01");
        Assert.Equal("InvalidName", RunResult.ErrorId(badName.SingleError()));
        var definition = temp.File("cluster.yaml");
        File.WriteAllText(definition, "name: [unclosed\n");
        var badYaml = session.Run("Connect-VmCluster -Path $args[0]", definition);
        var error = badYaml.SingleError();
        Assert.Equal("InvalidClusterDefinition", RunResult.ErrorId(error));
        Assert.Contains(definition, RunResult.Message(error));

        var engine = ModuleCopies("VolumeManager.Engine");
        var yaml = ModuleCopies("YamlDotNet");
        Assert.True(engine.Count == 1, $"Expected one copy of the engine loaded by the module, found: {Describe(engine)}");
        Assert.True(yaml.Count == 1, $"Expected one copy of YamlDotNet loaded by the module, found: {Describe(yaml)}");
        foreach (var assembly in engine.Concat(yaml))
        {
            var context = AssemblyLoadContext.GetLoadContext(assembly);
            Assert.NotSame(AssemblyLoadContext.Default, context);
            Assert.Equal(BuiltModule.BinDirectory, Path.GetDirectoryName(assembly.Location));
        }
        Assert.Same(AssemblyLoadContext.GetLoadContext(engine[0]), AssemblyLoadContext.GetLoadContext(yaml[0]));

        var inDefault = AssemblyLoadContext.Default.Assemblies
            .Where(a => a.GetName().Name is "VolumeManager.Engine" or "YamlDotNet" or "VolumeManager.Transport").ToList();
        Assert.True(inDefault.Count == 0, $"Private dependencies loaded in the default context: {Describe(inDefault)}");
    }

    /// <summary>Loaded copies of an assembly, leaving out the one the tests' own engine reader loaded.</summary>
    private static List<Assembly> ModuleCopies(string name) =>
        AssemblyLoadContext.All
            .Where(c => !ReferenceEquals(c, EngineReader.Context))
            .SelectMany(c => c.Assemblies)
            .Where(a => a.GetName().Name == name)
            .ToList();

    private static string Describe(IEnumerable<Assembly> assemblies) =>
        string.Join("; ", assemblies.Select(a => $"{a.GetName().Name} from {a.Location} in '{AssemblyLoadContext.GetLoadContext(a)?.Name}'")) is { Length: > 0 } text ? text : "none";
}
