using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Storage;

/// <summary>Finds the disks a node can open (paths or globs) and reads each one's private region.</summary>
public sealed class DiskScanner(IReadOnlyList<string> patterns, Action<string> log)
{
    public List<DiskInfo> Scan()
    {
        var disks = new List<DiskInfo>();
        foreach (var path in Paths())
            if (Read(path) is { } disk) disks.Add(disk);
        return disks;
    }

    /// <summary>Every path the node's disk patterns name that exists now.</summary>
    public IEnumerable<string> Paths() => Expand().Distinct();

    private IEnumerable<string> Expand()
    {
        foreach (var pattern in patterns)
        {
            var folder = Path.GetDirectoryName(pattern) ?? ".";
            var name = Path.GetFileName(pattern);
            if (name.IndexOfAny(['*', '?']) < 0) { if (File.Exists(pattern)) yield return pattern; continue; }
            if (!Directory.Exists(folder)) continue;
            foreach (var path in Directory.EnumerateFileSystemEntries(folder, name).Order()) yield return path;
        }
    }

    private DiskInfo? Read(string path)
    {
        try
        {
            using var device = DiskDevice.Open(path);
            var region = PrivateRegion.DecodeIdentity(device.ReadIdentity());
            if (region.Content is not { } content)
            {
                if (region.Corrupt) log($"disk {path}: private region is corrupt ({region.Reason}); ignored");
                return null;
            }
            return new DiskInfo
            {
                Name = content.DiskName, Id = content.DiskId, Path = path,
                SizeBytes = device.Length - PrivateRegion.Size,
                DiskGroup = string.IsNullOrEmpty(content.DiskGroup) ? null : content.DiskGroup,
                DiskGroupId = content.DiskGroupId == Guid.Empty ? null : content.DiskGroupId,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log($"disk {path} cannot be opened: {e.Message}");
            return null;
        }
    }
}
