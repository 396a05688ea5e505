using System.Runtime.InteropServices;

namespace VolumeManager.Agent.Storage;

internal static partial class NativeMethods
{
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int fdatasync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int flock(int fd, int operation);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int ioctl(int fd, ulong request, out long value);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int fallocate(int fd, int mode, long offset, long length);

    // Linux x86-64 values (the platform the agent runs on).
    internal const int O_RDONLY = 0;
    internal const int O_RDWR = 2;
    internal const int O_DSYNC = 0x1000;
    internal const int O_DIRECT = 0x4000;
    internal const int O_DIRECTORY = 0x10000;
    internal const int O_CLOEXEC = 0x80000;
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const ulong BLKGETSIZE64 = 0x80081272;
    internal const int FALLOC_FL_KEEP_SIZE = 1;
    internal const int FALLOC_FL_PUNCH_HOLE = 2;
}
