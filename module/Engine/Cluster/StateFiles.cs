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

    private string In(string name) => Path.Combine(Directory, name);
}
