using System.IO.Compression;
using System.Text;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Storage;

/// <summary>
/// The node's configuration backups: after each durable commit, every disk group whose generation moved is written to
/// <see cref="StateFiles.Backup"/> (gzipped YAML) and the group's older backups beyond the newest <c>keep</c> are
/// deleted. A backup is written whole to a temporary file and renamed, not fsynced: a crash may lose the newest
/// backup, never the configuration (the database is durable on its own). The writing runs off the agent's loop, one
/// backup after another (10,000 volumes take about 20 ms to emit and compress); <see cref="Written"/> says when the
/// ones recorded so far are on disk.
/// </summary>
public sealed class ConfigBackups(StateFiles files, string node, int keep, Action<string> log)
{
    private readonly Dictionary<Guid, long> recorded = [];
    private Task writing = Task.CompletedTask;

    /// <summary>Completes once every backup recorded so far is written (or its failure logged).</summary>
    public Task Written => Volatile.Read(ref writing);

    /// <summary>Called on the agent's loop after each durable commit: queues every group whose generation moved. A configuration once applied is never changed in place, so the group objects are safe to write from another thread.</summary>
    public void Record(NodeDatabase database)
    {
        foreach (var group in database.All)
        {
            if (recorded.TryGetValue(group.Id, out var generation) && generation == group.Generation) continue;
            recorded[group.Id] = group.Generation;
            Volatile.Write(ref writing, writing.ContinueWith(_ => WriteLogged(group), TaskScheduler.Default));
        }
    }

    private void WriteLogged(DiskGroup group)
    {
        try { Write(group); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log($"the configuration backup of disk group {group.Name} at generation {group.Generation} was not written: {e.Message}");
        }
    }

    private void Write(DiskGroup group)
    {
        var path = files.Backup(group.Name, group.Id, group.Generation);
        if (File.Exists(path)) return;
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            gzip.Write(Encoding.UTF8.GetBytes(ConfigText.Group(group)));
        File.Move(temporary, path, overwrite: true);
        foreach (var expired in Rotation.Expired(Generations(folder), keep))
            File.Delete(files.Backup(group.Name, group.Id, expired));
    }

    /// <summary>The backups of one group (or all), newest first; with the configuration when one generation is asked for.</summary>
    public List<ConfigBackup> List(string? diskGroup, long? generation)
    {
        if (!Directory.Exists(files.Backups)) return [];
        var found = new List<ConfigBackup>();
        foreach (var folder in Directory.EnumerateDirectories(files.Backups).Order(StringComparer.Ordinal))
        {
            if (diskGroup is not null && !Path.GetFileName(folder).StartsWith(diskGroup + ".", StringComparison.Ordinal)) continue;
            foreach (var at in Generations(folder).OrderDescending().Where(g => generation is null || g == generation))
                if (Read(Path.Combine(folder, $"{at:D12}{StateFiles.BackupExtension}"), diskGroup) is { } backup)
                {
                    if (generation is null) backup.Group = null;
                    found.Add(backup);
                }
        }
        return found.OrderBy(b => b.DiskGroup, StringComparer.Ordinal).ThenByDescending(b => b.Generation).ToList();
    }

    private ConfigBackup? Read(string path, string? diskGroup)
    {
        try
        {
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            var group = DatabaseYaml.ReadDiskGroup(reader.ReadToEnd(), path);
            if (diskGroup is not null && !NameRules.Same(group.Name, diskGroup)) return null;
            var backup = ConfigBackup.Of(group, node);
            backup.Written = File.GetLastWriteTimeUtc(path);
            backup.SizeBytes = new FileInfo(path).Length;
            backup.Group = group;
            return backup;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ConfigurationFormatException)
        {
            log($"the configuration backup {path} is unreadable: {e.Message}");
            return null;
        }
    }

    private static IEnumerable<long> Generations(string folder) =>
        Directory.EnumerateFiles(folder, "*" + StateFiles.BackupExtension)
            .Select(f => Path.GetFileName(f)[..^StateFiles.BackupExtension.Length])
            .Select(n => long.TryParse(n, out var g) ? g : -1).Where(g => g >= 0);
}
