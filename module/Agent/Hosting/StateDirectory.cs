using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Agent.Hosting;

/// <summary>The node's durable state directory: configuration database, journal, token, socket, lock and pid.</summary>
public sealed class StateDirectory : IDisposable
{
    private FileStream? lockFile;

    public StateDirectory(string path)
    {
        Path = path;
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }
    public string DatabasePath => System.IO.Path.Combine(Path, "config.yaml");
    public string JournalPath => System.IO.Path.Combine(Path, "journal.jsonl");
    public string TokenPath => System.IO.Path.Combine(Path, "node.token");
    public string SocketPath => System.IO.Path.Combine(Path, "vmconfigd.sock");
    /// <summary>The NBD server's socket: every volume the kernel holds, as an export named &lt;diskgroup&gt;/&lt;volume&gt;.</summary>
    public string NbdSocketPath => System.IO.Path.Combine(Path, "nbd.sock");
    public string PidPath => System.IO.Path.Combine(Path, "vmconfigd.pid");
    public string LogPath => System.IO.Path.Combine(Path, "vmconfigd.log");

    /// <summary>Only one agent may own a state directory; a second one fails here, naming the directory.</summary>
    public void Lock()
    {
        lockFile = new FileStream(System.IO.Path.Combine(Path, "vmconfigd.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (NativeMethods.flock((int)lockFile.SafeFileHandle.DangerousGetHandle(), NativeMethods.LOCK_EX | NativeMethods.LOCK_NB) != 0)
            throw new InvalidOperationException($"Another vmconfigd already owns the state directory {Path}.");
    }

    public NodeDatabase LoadDatabase(Guid clusterId) => File.Exists(DatabasePath)
        ? DatabaseYaml.Read(File.ReadAllText(DatabasePath), DatabasePath)
        : new NodeDatabase { ClusterId = clusterId };

    public void SaveDatabase(NodeDatabase database) =>
        DurableFile.WriteAtomic(DatabasePath, System.Text.Encoding.UTF8.GetBytes(DatabaseYaml.Write(database)));

    public List<TransactionRecord> LoadJournal(Action<string> log) => Journal.Load(JournalPath, log);

    public void WritePid(int pid) => DurableFile.WriteAtomic(PidPath, System.Text.Encoding.ASCII.GetBytes(pid + "\n"));

    public void Dispose()
    {
        if (File.Exists(PidPath)) File.Delete(PidPath);
        lockFile?.Dispose();
    }
}
