namespace VolumeManager.Engine.Cluster;

/// <summary>Resolves the relative paths of a cluster definition against a folder, as strings only: nothing is opened or checked.</summary>
internal sealed class BaseDirectory
{
    private readonly string? path;

    public BaseDirectory(string? path)
    {
        if (path is not null && !Path.IsPathFullyQualified(path))
            throw new ArgumentException($"The base directory '{path}' must be an absolute path.", nameof(path));
        this.path = path;
    }

    public string Resolve(string relativeOrAbsolute) => path is null || Path.IsPathFullyQualified(relativeOrAbsolute)
        ? relativeOrAbsolute
        : Path.GetFullPath(relativeOrAbsolute, path);
}
