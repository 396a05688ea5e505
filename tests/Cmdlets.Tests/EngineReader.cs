using System.Reflection;
using System.Runtime.Loader;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Cmdlets.Tests;

/// <summary>What <see cref="PrivateRegion.Decode"/> found, as plain values (the engine's own types live in another load context).</summary>
public sealed record DecodedRegion(string Status, string? Reason, Guid DiskId, string DiskName, string DiskGroup, Guid DiskGroupId, long Generation);

/// <summary>
/// Decodes private regions with the engine the built module ships (its bin/ folder), loaded into a load
/// context of the tests' own: neither the default context nor the module's private one. The project reference
/// to the engine is for the compiler only (nameof below); nothing here binds to the engine's types at run time.
/// </summary>
public static class EngineReader
{
    private const string PrivateRegionType = "VolumeManager.Engine.Storage." + nameof(PrivateRegion);

    private static readonly Lazy<Func<ReadOnlySpan<byte>, object>> decode = new(LoadDecode);

    /// <summary>The load context the tests' copy of the engine lives in.</summary>
    public static AssemblyLoadContext? Context { get; private set; }

    public static DecodedRegion Decode(ReadOnlySpan<byte> region)
    {
        var result = decode.Value(region);
        var status = Property(result, nameof(PrivateRegionReadResult.Status))!.ToString()!;
        var reason = (string?)Property(result, nameof(PrivateRegionReadResult.Reason));
        var content = Property(result, nameof(PrivateRegionReadResult.Content));
        return content is null
            ? new DecodedRegion(status, reason, Guid.Empty, "", "", Guid.Empty, 0)
            : new DecodedRegion(status, reason,
                (Guid)Property(content, nameof(PrivateRegionContent.DiskId))!,
                (string)Property(content, nameof(PrivateRegionContent.DiskName))!,
                (string)Property(content, nameof(PrivateRegionContent.DiskGroup))!,
                (Guid)Property(content, nameof(PrivateRegionContent.DiskGroupId))!,
                (long)Property(content, nameof(PrivateRegionContent.Generation))!);
    }

    /// <summary>Reads the first <see cref="PrivateRegion.Size"/> bytes of a disk image and decodes them.</summary>
    public static DecodedRegion DecodeFile(string path) => Decode(Head(path));

    public static byte[] Head(string path)
    {
        var head = new byte[PrivateRegion.Size];   // a const: compiled in, no engine load
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.ReadExactly(head);
        return head;
    }

    private static object? Property(object target, string name) =>
        (target.GetType().GetProperty(name) ?? throw new MissingMemberException(target.GetType().FullName, name)).GetValue(target);

    private static Func<ReadOnlySpan<byte>, object> LoadDecode()
    {
        var bin = BuiltModule.BinDirectory;
        var enginePath = Path.Combine(bin, "VolumeManager.Engine.dll");
        if (!File.Exists(enginePath)) throw new InvalidOperationException($"{enginePath} not found: {BuiltModule.Manifest} is incomplete; run 'dotnet pwsh ./build.ps1 -Task Build'.");
        var context = new FolderLoadContext(bin);
        Context = context;
        var type = context.LoadFromAssemblyPath(enginePath).GetType(PrivateRegionType, throwOnError: true)!;
        var method = type.GetMethod(nameof(PrivateRegion.Decode), BindingFlags.Public | BindingFlags.Static, [typeof(ReadOnlySpan<byte>)])
            ?? throw new MissingMethodException(PrivateRegionType, nameof(PrivateRegion.Decode));
        return method.CreateDelegate<Func<ReadOnlySpan<byte>, object>>();
    }

    private sealed class FolderLoadContext(string folder) : AssemblyLoadContext("VolumeManager.Cmdlets.Tests engine reader")
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
