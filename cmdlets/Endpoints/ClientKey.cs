namespace VolumeManager.Cmdlets.Endpoints;

/// <summary>The SSH key pair the cluster's client side logs in to every node's sshd with.</summary>
public sealed record ClientKeyPair(string PrivateKeyPath, string PublicKeyPath)
{
    /// <summary>The public key line ("ssh-ed25519 AAAA... comment").</summary>
    public string PublicKey => File.ReadAllText(PublicKeyPath).Trim();
}

/// <summary>Creates the cluster's client key pair once per cluster folder (ssh-keygen -t ed25519 -N '').</summary>
public static class ClientKey
{
    public const string FileName = "client_ed25519";
    private const string LockName = ".client_ed25519.lock";

    /// <summary>
    /// The key pair in <paramref name="clusterFolder"/>, created on first use. Safe to call concurrently,
    /// from several threads or processes: one creates the pair, the others wait for it and reuse it.
    /// </summary>
    public static async Task<ClientKeyPair> EnsureAsync(string clusterFolder, CancellationToken cancellationToken = default)
    {
        var folder = SshPaths.Check(Path.GetFullPath(clusterFolder), nameof(clusterFolder));
        Directory.CreateDirectory(folder);
        var pair = new ClientKeyPair(Path.Combine(folder, FileName), Path.Combine(folder, FileName + ".pub"));
        if (File.Exists(pair.PrivateKeyPath) && File.Exists(pair.PublicKeyPath)) return pair;

        using var held = await LockAsync(Path.Combine(folder, LockName), cancellationToken);
        if (File.Exists(pair.PrivateKeyPath) && File.Exists(pair.PublicKeyPath)) return pair;
        File.Delete(pair.PrivateKeyPath);   // half a pair from an interrupted run
        File.Delete(pair.PublicKeyPath);
        await KeyGen.CreateAsync(pair.PrivateKeyPath, $"volumemanager-client@{Path.GetFileName(folder)}", cancellationToken);
        return pair;
    }

    /// <summary>An exclusive lock on a file (flock under FileShare.None), across threads and processes.</summary>
    private static async Task<FileStream> LockAsync(string path, CancellationToken ct)
    {
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) { await Task.Delay(25, ct); }
        }
    }
}

internal static class KeyGen
{
    /// <summary>ssh-keygen -t ed25519 -N '' -f path: a new key pair without a passphrase (private key 0600).</summary>
    public static async Task CreateAsync(string privateKeyPath, string comment, CancellationToken ct)
    {
        var (exit, output, error) = await ProcessTools.RunAsync("ssh-keygen",
            ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", privateKeyPath], TimeSpan.FromSeconds(30), ct);
        if (exit != 0 || !File.Exists(privateKeyPath))
            throw new InvalidOperationException($"ssh-keygen could not create the key {privateKeyPath} (exit code {exit}): {error} {output}");
    }
}
