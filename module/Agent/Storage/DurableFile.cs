namespace VolumeManager.Agent.Storage;

/// <summary>Whole-file writes that survive a crash: temp file, fsync, rename, fsync of the folder.</summary>
public static class DurableFile
{
    /// <param name="step">Told "written" once the temp file is durable and "renamed" once it has replaced the file (tests crash there).</param>
    /// <param name="temp">The temp file's name, when several writers may replace one file at once (each its own); path.tmp by default.</param>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content, Action<string>? step = null, string? temp = null)
    {
        temp ??= path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        step?.Invoke("written");
        File.Move(temp, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        step?.Invoke("renamed");
    }

    /// <summary>fsync of the folder, so a rename in it survives a crash (.NET cannot open a folder as a file).</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = NativeMethods.open(directory, NativeMethods.O_RDONLY | NativeMethods.O_DIRECTORY);
        if (fd < 0) throw new IOException($"cannot open folder {directory} to fsync it (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        try
        {
            if (NativeMethods.fsync(fd) != 0)
                throw new IOException($"fsync of folder {directory} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        }
        finally { NativeMethods.close(fd); }
    }
}
