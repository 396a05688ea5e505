using System.Security.Cryptography;
using System.Text;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// One configuration of a disk group that a node kept: the group as it was committed at <see cref="Generation"/>.
/// Each node keeps the newest few of each group (<see cref="Rotation"/>) under its state directory
/// (<see cref="Cluster.StateFiles.Backup"/>).
/// </summary>
public sealed class ConfigBackup
{
    public string Node { get; set; } = "";
    public string DiskGroup { get; set; } = "";
    public Guid DiskGroupId { get; set; }
    public long Generation { get; set; }
    public DateTimeOffset Written { get; set; }
    /// <summary>The backup file's size (compressed).</summary>
    public long SizeBytes { get; set; }
    public List<string> Disks { get; set; } = [];
    public List<string> Volumes { get; set; } = [];
    /// <summary>
    /// SHA-256 of the group's disks and volumes without its generation: equal for a restored group and the backup it
    /// was restored from (<see cref="HashOf"/>).
    /// </summary>
    public string ContentHash { get; set; } = "";
    /// <summary>The configuration itself; only when one generation was asked for.</summary>
    public DiskGroup? Group { get; set; }

    public static ConfigBackup Of(DiskGroup group, string node) => new()
    {
        Node = node, DiskGroup = group.Name, DiskGroupId = group.Id, Generation = group.Generation,
        Disks = group.Disks.Select(d => d.Name).ToList(), Volumes = group.Volumes.Select(v => v.Name).ToList(),
        ContentHash = HashOf(group),
    };

    /// <summary>The hash of what a restore writes back: the group at generation 0, with no lineage.</summary>
    public static string HashOf(DiskGroup group)
    {
        var content = group.CopyForChange();
        content.Generation = 0;
        content.Lineage = null;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ConfigText.Group(content))));
    }
}

/// <summary>Which backups a node keeps: the newest <c>keep</c> generations of each group.</summary>
public static class Rotation
{
    public const int DefaultKeep = 5;
    public const int MaxKeep = 1000;

    /// <summary>The generations to delete once <paramref name="generations"/> are on disk.</summary>
    public static IEnumerable<long> Expired(IEnumerable<long> generations, int keep) =>
        generations.OrderDescending().Skip(Math.Max(1, keep));
}
