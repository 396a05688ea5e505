using VolumeManager.Transport;

namespace VolumeManager.Engine.Tests.Transport;

public sealed class SecretFileTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void A_node_token_is_32_random_bytes_in_an_owner_only_file()
    {
        string path = Path.Combine(temp.Path, "state", "node.token");

        byte[] token = NodeToken.Create(path);

        Assert.Equal(NodeToken.Length, token.Length);
        Assert.Equal(token, NodeToken.Read(path));
        Assert.NotEqual(token, NodeToken.Create(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        }
    }

    [Fact]
    public void ReadOrCreate_keeps_an_existing_key()
    {
        string path = temp.File("cluster.key");

        byte[] created = ClusterKey.ReadOrCreate(path);
        byte[] again = ClusterKey.ReadOrCreate(path);

        Assert.Equal(created, again);
    }

    [Fact]
    public void A_cluster_key_copied_from_another_node_is_installed_owner_only()
    {
        string path = temp.File("cluster.key");
        byte[] key = ClusterKey.Create(temp.File("other.key"));

        ClusterKey.Write(path, key);

        Assert.Equal(key, ClusterKey.Read(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_file_of_the_wrong_length_is_refused_naming_the_file()
    {
        string path = temp.File("node.token");
        File.WriteAllBytes(path, new byte[5]);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var error = Assert.Throws<InvalidDataException>(() => NodeToken.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("5 bytes", error.Message);
    }

    [Fact]
    public void A_key_file_others_may_read_is_refused_naming_the_file_and_its_mode()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        string path = temp.File("cluster.key");
        ClusterKey.Create(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<InvalidDataException>(() => ClusterKey.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("mode 644", error.Message);
        Assert.Contains("chmod 600", error.Message);
    }

    [Fact]
    public void A_key_file_another_user_owns_is_refused_naming_the_file_and_its_owner()
    {
        // Only root can give a file away; CI runs as root. Elsewhere the owner is this process's user, and the key reads.
        string path = temp.File("cluster.key");
        byte[] key = ClusterKey.Create(path);
        Assert.Equal(key, ClusterKey.Read(path));
        if (!OperatingSystem.IsLinux() || FileOwner.Self != 0)
        {
            return;
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(0, RunChown("65534", path));

        var error = Assert.Throws<InvalidDataException>(() => ClusterKey.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("owned by user 65534", error.Message);
        Assert.Contains("chown 0", error.Message);
    }

    private static int RunChown(string owner, string path)
    {
        using var chown = System.Diagnostics.Process.Start("chown", [owner, path])!;
        chown.WaitForExit();
        return chown.ExitCode;
    }
}
