using System.Security.Cryptography;

namespace VolumeManager.Transport;

/// <summary>A small owner-only file holding a fixed-length secret, replaced atomically.</summary>
internal static class SecretFile
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerReadWrite | UnixFileMode.UserExecute;

    public static byte[] CreateRandom(string path, int length, bool overwrite)
    {
        byte[] secret = RandomNumberGenerator.GetBytes(length);
        Write(path, secret, overwrite);
        return secret;
    }

    public static byte[] ReadOrCreate(string path, int length, string what)
    {
        if (File.Exists(path))
        {
            return Read(path, length, what);
        }
        try
        {
            return CreateRandom(path, length, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            return Read(path, length, what);
        }
    }

    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false.</exception>
    public static void Write(string path, ReadOnlySpan<byte> secret, bool overwrite)
    {
        string full = Path.GetFullPath(path);
        EnsureOwnerOnlyDirectory(Path.GetDirectoryName(full)!);
        string temp = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            WriteDurably(temp, secret);
            File.Move(temp, full, overwrite);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <exception cref="InvalidDataException">The file has the wrong length, or others than its owner may read or change it.</exception>
    public static byte[] Read(string path, int length, string what)
    {
        CheckOwnerOnly(path, what);
        byte[] secret = File.ReadAllBytes(path);
        if (secret.Length != length)
        {
            throw new InvalidDataException(
                $"The {what} file '{path}' holds {secret.Length} bytes; a {what} is {length} bytes.");
        }
        return secret;
    }

    /// <summary>
    /// A secret that the group or others could read (or replace) is no secret: refused, naming the file and its mode.
    /// So is one another user owns: that user can read it, or make it readable, whatever its mode says now.
    /// </summary>
    private static void CheckOwnerOnly(string path, string what)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        if (FileOwner.Of(path) is { } owner && FileOwner.Self is { } self && owner != self)
        {
            throw new InvalidDataException(
                $"The {what} file '{path}' is owned by user {owner}, not by this process's user {self}; "
                + $"give it to the user the agent runs as: chown {self} '{path}'.");
        }
        UnixFileMode open = File.GetUnixFileMode(path) & ~(OwnerReadWrite | UnixFileMode.UserExecute);
        if (open != UnixFileMode.None)
        {
            throw new InvalidDataException(
                $"The {what} file '{path}' is open to others (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}); "
                + $"make it readable by its owner only: chmod 600 '{path}'.");
        }
    }

    public static void EnsureOwnerOnlyDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }
    }

    private static void WriteDurably(string path, ReadOnlySpan<byte> secret)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }
        using var stream = new FileStream(path, options);
        stream.Write(secret);
        stream.Flush(flushToDisk: true);
    }
}
