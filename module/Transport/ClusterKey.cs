namespace VolumeManager.Transport;

/// <summary>The key every agent of one cluster tags interconnect frames with; the same file on every node.</summary>
public static class ClusterKey
{
    public const int Length = 32;

    /// <summary>Writes a new random key (mode 0600), replacing any existing one.</summary>
    public static byte[] Create(string path) => SecretFile.CreateRandom(path, Length, overwrite: true);

    public static byte[] Read(string path) => SecretFile.Read(path, Length, "cluster key");

    public static byte[] ReadOrCreate(string path) => SecretFile.ReadOrCreate(path, Length, "cluster key");

    /// <summary>Installs a key copied from another node (mode 0600), replacing any existing one.</summary>
    public static void Write(string path, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != Length)
        {
            throw new ArgumentException($"A cluster key is {Length} bytes; this one is {key.Length}.", nameof(key));
        }
        SecretFile.Write(path, key, overwrite: true);
    }
}
