using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Storage;

/// <summary>A shared disk: an image file or a block device, opened for positioned reads and durable writes.</summary>
public sealed class DiskDevice : IDisposable
{
    private readonly FileStream stream;

    private DiskDevice(string path, FileStream stream)
    {
        Path = path;
        this.stream = stream;
    }

    public string Path { get; }
    /// <summary>The size in bytes; a block device's from BLKGETSIZE64 (its file length reads 0).</summary>
    public long Length => NativeMethods.ioctl((int)stream.SafeFileHandle.DangerousGetHandle(), NativeMethods.BLKGETSIZE64, out var size) == 0 ? size : stream.Length;

    /// <summary>
    /// Opened for writing, the device is O_DSYNC: each write is durable on its own, syncing only its range (and no
    /// journal commit for timestamps), so a private-region write never waits for volume data the data path has not
    /// flushed yet.
    /// </summary>
    public static DiskDevice Open(string path, bool write = false)
    {
        if (!write) return new(path, new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None));
        var fd = NativeMethods.open(path, NativeMethods.O_RDWR | NativeMethods.O_DSYNC | NativeMethods.O_CLOEXEC);
        if (fd < 0) throw new IOException($"cannot open {path} for writing (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        return new(path, new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, 1));
    }

    /// <summary>The private region's used bytes, the configuration copy included: one read for the identity and the copy's header, a second for the copy.</summary>
    public byte[] ReadPrivateRegion()
    {
        var head = Read(0, (int)Math.Min(PrivateRegion.FirstRead, Length));
        var used = Math.Min(PrivateRegion.UsedLength(head), (int)Math.Min(PrivateRegion.Size, Length));
        return used <= head.Length ? head : Read(0, used);
    }

    /// <summary>The identity part of the private region only (no configuration copy): what a disk scan reads.</summary>
    public byte[] ReadIdentity() => Read(0, (int)Math.Min(PrivateRegion.CopyOffset, Length));

    public byte[] Read(long offset, int length)
    {
        var buffer = new byte[length];
        var done = 0;
        while (done < length)
        {
            var n = RandomAccess.Read(stream.SafeFileHandle, buffer.AsSpan(done), offset + done);
            if (n == 0) break;
            done += n;
        }
        return buffer;
    }

    public Microsoft.Win32.SafeHandles.SafeFileHandle Handle => stream.SafeFileHandle;

    /// <summary>Durable when it returns (the device is open O_DSYNC for writing).</summary>
    public void WriteDurably(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(stream.SafeFileHandle, data, offset);

    public void Dispose() => stream.Dispose();
}
