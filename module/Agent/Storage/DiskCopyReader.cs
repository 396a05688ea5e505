using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Storage;

/// <summary>Reads the configuration copies off every disk a node can open, for an import: damaged ones are reported, not skipped.</summary>
public sealed class DiskCopyReader(DiskScanner scanner)
{
    public List<DiskCopy> Read(string? group)
    {
        var copies = new List<DiskCopy>();
        foreach (var path in scanner.Paths())
            if (ReadOne(path) is { } copy && (group is null || !copy.IdentityKnown || NameRules.Same(copy.DiskGroup, group)))
                copies.Add(copy);
        return copies;
    }

    private static DiskCopy? ReadOne(string path)
    {
        try
        {
            using var device = DiskDevice.Open(path);
            var region = PrivateRegion.Decode(device.ReadPrivateRegion());
            if (region.NotInitialized) return null;
            if (region.Content is not { } content) return new DiskCopy { Path = path, Problem = $"the private region is damaged: {region.Reason}" };
            if (content.IsFree) return null;
            return new DiskCopy
            {
                Path = path, DiskName = content.DiskName, DiskId = content.DiskId,
                DiskGroup = content.DiskGroup, DiskGroupId = content.DiskGroupId, Generation = content.Generation,
                Group = content.ConfigCopy, Problem = content.CopyProblem,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new DiskCopy { Path = path, Problem = $"the disk cannot be read: {e.Message}" };
        }
    }
}
