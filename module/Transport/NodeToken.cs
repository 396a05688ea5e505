namespace VolumeManager.Transport;

/// <summary>The secret a node's endpoint presents to the local agent's control socket.</summary>
public static class NodeToken
{
    public const int Length = 32;

    /// <summary>Writes a new random token (mode 0600), replacing any existing one.</summary>
    public static byte[] Create(string path) => SecretFile.CreateRandom(path, Length, overwrite: true);

    public static byte[] Read(string path) => SecretFile.Read(path, Length, "node token");

    public static byte[] ReadOrCreate(string path) => SecretFile.ReadOrCreate(path, Length, "node token");
}
