using VolumeManager.Cmdlets.Objects;
using VolumeManager.Cmdlets.Remoting;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>The configuration backups a node keeps, asked of its agent.</summary>
internal static class BackupReader
{
    /// <exception cref="Engine.Initiation.EndpointException">The node's endpoint cannot be reached.</exception>
    /// <exception cref="InvalidOperationException">The node's agent refused the query.</exception>
    public static async Task<List<ConfigBackup>> ReadAsync(ClusterConnection connection, string node, string? diskGroup, long? generation, CancellationToken ct)
    {
        var response = await connection.Endpoint(node).RequestAsync(new ConfigBackupsQuery { DiskGroup = diskGroup, Generation = generation }, ct);
        if (!response.Ok) throw new InvalidOperationException($"node {node}: {response.Error}");
        return response.Backups ?? [];
    }

    public static VmDiskGroupBackup ToObject(ConfigBackup backup) => new()
    {
        DiskGroup = backup.DiskGroup, DiskGroupId = backup.DiskGroupId, Generation = backup.Generation, Node = backup.Node,
        Written = backup.Written, SizeBytes = backup.SizeBytes, Disks = [.. backup.Disks], Volumes = [.. backup.Volumes],
        ContentHash = backup.ContentHash,
    };
}
