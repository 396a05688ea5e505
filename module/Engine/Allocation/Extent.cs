namespace VolumeManager.Engine.Allocation;

/// <summary>A free stretch of one disk's public region: offsets relative to the public region, both on 1 MiB boundaries.</summary>
public readonly record struct Extent(string Disk, long Offset, long Length)
{
    public long End => Offset + Length;

    public override string ToString() => $"{Disk}[{Offset}..{End})";
}
