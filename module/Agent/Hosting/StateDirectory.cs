using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Cluster;

namespace VolumeManager.Agent.Hosting;

/// <summary>The node's durable state directory (<see cref="StateFiles"/>): configuration store, token, socket, lock and pid.</summary>
public sealed class StateDirectory : IDisposable
{
    private FileStream? lockFile;

    public StateDirectory(string path)
    {
        Files = new StateFiles(path);
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public StateFiles Files { get; }
    public string Path => Files.Directory;

    /// <summary>Only one agent may own a state directory; a second one fails here, naming the directory.</summary>
    public void Lock()
    {
        lockFile = new FileStream(Files.Lock, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (NativeMethods.flock((int)lockFile.SafeFileHandle.DangerousGetHandle(), NativeMethods.LOCK_EX | NativeMethods.LOCK_NB) != 0)
            throw new InvalidOperationException($"Another vmconfigd already owns the state directory {Path}.");
    }

    /// <summary>The database and transaction records, recovered from snapshot and journal.</summary>
    public ConfigStore OpenStore(Guid clusterId, Action<string> log) => ConfigStore.Open(Files.Snapshot, Files.Journal, clusterId, log);

    public void WritePid(int pid) => DurableFile.WriteAtomic(Files.Pid, System.Text.Encoding.ASCII.GetBytes(pid + "\n"));

    public void Dispose()
    {
        if (File.Exists(Files.Pid)) File.Delete(Files.Pid);
        lockFile?.Dispose();
    }
}
