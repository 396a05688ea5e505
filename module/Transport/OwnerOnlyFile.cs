namespace VolumeManager.Transport;

/// <summary>A file only its owner may read or change, written whole and durably (a temp file, fsync, rename): a node's cluster definition as Add-VmNode hands it over.</summary>
public static class OwnerOnlyFile
{
    public static void Write(string path, ReadOnlySpan<byte> content) => SecretFile.Write(path, content, overwrite: true);
}
