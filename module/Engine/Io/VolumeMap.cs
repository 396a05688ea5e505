using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Io;

/// <summary>One piece of a volume I/O on one disk: where in the request's buffer, and where on the disk's public region.</summary>
public readonly record struct DiskSpan(string Disk, long DiskOffset, int BufferOffset, int Length);

/// <summary>Maps a byte range of a volume onto the subdisks of a plex, laid end to end.</summary>
public static class VolumeMap
{
    /// <summary>Null when the range fits the volume, otherwise why not.</summary>
    public static string? RangeProblem(Volume volume, long offset, long length) =>
        offset < 0 ? $"The offset {offset} is negative."
        : length < 0 ? $"The length {length} is negative."
        : offset + length > volume.SizeBytes ? $"Bytes {offset} to {offset + length} run past the end of volume '{volume.Name}' ({volume.SizeBytes} bytes)."
        : null;

    public static List<DiskSpan> Spans(Plex plex, long offset, int length)
    {
        var spans = new List<DiskSpan>();
        long plexStart = 0;
        foreach (var subdisk in plex.Subdisks)
        {
            var from = Math.Max(offset, plexStart);
            var to = Math.Min(offset + length, plexStart + subdisk.Length);
            if (from < to)
                spans.Add(new DiskSpan(subdisk.Disk, subdisk.Offset + (from - plexStart), (int)(from - offset), (int)(to - from)));
            plexStart += subdisk.Length;
        }
        return spans;
    }
}
