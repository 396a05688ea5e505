using Microsoft.Win32.SafeHandles;

namespace VolumeManager.Agent.Storage;

/// <summary>
/// One disk held open for the data path. A block device is opened with O_DIRECT (no page cache in the agent, so
/// nodes on other hosts see every write): its I/O must be 512-byte aligned in offset, length and memory. An image
/// file stays buffered. Writes mark the handle dirty; <see cref="Sync"/> makes them durable.
/// </summary>
public sealed class DiskHandle : IDisposable
{
    /// <summary>The alignment O_DIRECT needs on the block devices this runs on (logical sector size).</summary>
    public const int DirectAlignment = 512;
    private int dirty;

    private DiskHandle(string path, SafeFileHandle handle, bool direct)
    {
        Path = path;
        Handle = handle;
        Direct = direct;
    }

    public string Path { get; }
    public SafeFileHandle Handle { get; }
    public bool Direct { get; }

    public static DiskHandle Open(string path)
    {
        var buffered = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (!IsBlockDevice(buffered)) return new DiskHandle(path, buffered, direct: false);
        buffered.Dispose();
        var fd = NativeMethods.open(path, NativeMethods.O_RDWR | NativeMethods.O_DIRECT | NativeMethods.O_CLOEXEC);
        if (fd < 0) throw new IOException($"cannot open block device {path} with O_DIRECT (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        return new DiskHandle(path, new SafeFileHandle(fd, ownsHandle: true), direct: true);
    }

    /// <summary>BLKGETSIZE64 answers only on a block device.</summary>
    private static bool IsBlockDevice(SafeFileHandle handle) =>
        NativeMethods.ioctl((int)handle.DangerousGetHandle(), NativeMethods.BLKGETSIZE64, out _) == 0;

    public static bool Aligned(long offset, long length) => offset % DirectAlignment == 0 && length % DirectAlignment == 0;

    public void Read(Span<byte> into, long offset)
    {
        var done = 0;
        while (done < into.Length)
        {
            var n = RandomAccess.Read(Handle, into[done..], offset + done);
            if (n == 0) throw new IOException($"{Path}: read past the end at byte {offset + done}.");
            done += n;
        }
    }

    /// <summary>
    /// The largest single write to an image file. The page cache keeps a file's pages in folios as large as the writes
    /// that made them, and a later 4 KiB write walks every block of its folio: after 1 MiB writes, 4 KiB random writes
    /// cost several times more (a 2-way mirror, two writes per request: 36-52k IOPS against 84k with 64 KiB pieces).
    /// </summary>
    private const int BufferedPiece = 64 * 1024;

    public void Write(ReadOnlySpan<byte> data, long offset)
    {
        Volatile.Write(ref dirty, 1);
        if (Direct || data.Length <= BufferedPiece) { RandomAccess.Write(Handle, data, offset); return; }
        for (var done = 0; done < data.Length; done += BufferedPiece)
            RandomAccess.Write(Handle, data.Slice(done, Math.Min(BufferedPiece, data.Length - done)), offset + done);
    }

    /// <summary>Makes every write so far durable (fdatasync), skipped when nothing was written since the last sync.</summary>
    public void Sync()
    {
        if (Interlocked.Exchange(ref dirty, 0) == 0) return;
        if (NativeMethods.fdatasync((int)Handle.DangerousGetHandle()) != 0)
        {
            Volatile.Write(ref dirty, 1);
            throw new IOException($"{Path}: fdatasync failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>Gives a range back to an image file's filesystem (reads then return zeroes); a no-op on block devices and filesystems that cannot.</summary>
    public void Discard(long offset, long length)
    {
        if (Direct) return;
        Volatile.Write(ref dirty, 1);
        NativeMethods.fallocate((int)Handle.DangerousGetHandle(), NativeMethods.FALLOC_FL_PUNCH_HOLE | NativeMethods.FALLOC_FL_KEEP_SIZE, offset, length);
    }

    public void Dispose() => Handle.Dispose();
}
