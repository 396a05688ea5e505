namespace VolumeManager.Engine.Tests.Transport;

/// <summary>A unique directory under the temp path, removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        // Short name: Unix socket paths are limited to about 100 characters.
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vmt-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
