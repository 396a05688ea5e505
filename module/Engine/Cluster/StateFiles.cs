namespace VolumeManager.Engine.Cluster;

/// <summary>
/// The files of a node's state directory, named once for the agent that owns them, the cmdlets that start it and
/// talk to it, and the tests that look into it.
/// </summary>
public sealed class StateFiles(string directory)
{
    public string Directory { get; } = directory;

    /// <summary>The configuration database's snapshot (YAML, <see cref="Serialization.DatabaseYaml.WriteSnapshot"/>).</summary>
    public string Snapshot => In("config.yaml");
    /// <summary>The journal written since the snapshot (<see cref="Storage.JournalText"/>).</summary>
    public string Journal => In("journal.log");
    /// <summary>The node token the control socket asks for.</summary>
    public string Token => In("node.token");
    public string Socket => In("vmconfigd.sock");
    /// <summary>The NBD server's socket: every volume the kernel holds, as an export named &lt;diskgroup&gt;/&lt;volume&gt;.</summary>
    public string Nbd => In("nbd.sock");
    public string Pid => In("vmconfigd.pid");
    public string Log => In("vmconfigd.log");
    /// <summary>Held (flock) by the one agent that owns the directory.</summary>
    public string Lock => In("vmconfigd.lock");

    /// <summary>The configuration backups, one folder per disk group (&lt;name&gt;.&lt;id&gt;), one gzipped YAML file per generation.</summary>
    public string Backups => In("backups");

    /// <summary>The folder of one disk group's backups.</summary>
    public string BackupFolder(string diskGroup, Guid id) => Path.Combine(Backups, $"{diskGroup}.{id:N}");

    /// <summary>One backup: the group's configuration committed at <paramref name="generation"/>, as <see cref="Serialization.DatabaseYaml.WriteDiskGroup"/> writes it, gzipped.</summary>
    public string Backup(string diskGroup, Guid id, long generation) =>
        Path.Combine(BackupFolder(diskGroup, id), $"{generation:D12}{BackupExtension}");

    public const string BackupExtension = ".yaml.gz";

    private string In(string name) => Path.Combine(Directory, name);
}
