using System.Runtime.InteropServices;

namespace VolumeManager.Transport;

/// <summary>
/// Who owns a file, and who this process runs as (Linux). statx, not stat: its buffer has one layout on every
/// architecture, so the owner is read at a fixed offset.
/// </summary>
internal static partial class FileOwner
{
    private const int AtFdCwd = -100;
    private const uint StatxUid = 0x8;
    private const int StatxSize = 256;
    private const int UidOffset = 20;

    /// <summary>The file's owner (uid); null where the system cannot tell (not Linux).</summary>
    /// <exception cref="IOException">The file cannot be examined.</exception>
    public static uint? Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[StatxSize];
        if (statx(AtFdCwd, path, 0, StatxUid, buffer) != 0)
            throw new IOException($"cannot examine '{path}' (errno {Marshal.GetLastPInvokeError()}).");
        return BitConverter.ToUInt32(buffer, UidOffset);
    }

    /// <summary>The user this process acts as (its effective uid); null where the system cannot tell.</summary>
    public static uint? Self => OperatingSystem.IsLinux() ? geteuid() : null;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte[] buffer);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
