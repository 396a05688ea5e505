using System.Runtime.InteropServices;

namespace VolumeManager.Cmdlets.Hosting;

/// <summary>The size of a disk image file or a block device (whose file length reads 0).</summary>
internal static class DiskSize
{
    private const ulong BLKGETSIZE64 = 0x80081272;

    [DllImport("libc", SetLastError = true)]
    private static extern int ioctl(int fd, ulong request, out long value);

    public static long Of(FileStream disk) =>
        !OperatingSystem.IsWindows() && ioctl((int)disk.SafeFileHandle.DangerousGetHandle(), BLKGETSIZE64, out var size) == 0 ? size : disk.Length;
}
