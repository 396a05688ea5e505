using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// Copies one range of a volume from an active plex to a stale one, then reads both back: writes keep going to
/// every plex meanwhile (active first), so a range that compares equal after the copy stays equal.
/// </summary>
public sealed class ResyncCopier(VolumeIo io)
{
    private const int Attempts = 8;
    private readonly object checkpoints = new();

    /// <summary>False when the range kept changing under concurrent writes for every attempt.</summary>
    public bool Copy(Plex source, Plex target, long offset, int length)
    {
        var copy = AlignedBuffer.Rent(length);
        var check = AlignedBuffer.Rent(length);
        try
        {
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                io.ReadPlex(source, offset, copy.Span(length));
                io.WritePlex(target, offset, copy.Span(length));
                io.ReadPlex(source, offset, copy.Span(length));
                io.ReadPlex(target, offset, check.Span(length));
                if (copy.Span(length).SequenceEqual(check.Span(length))) return true;
            }
            return false;
        }
        finally
        {
            copy.Return();
            check.Return();
        }
    }

    /// <summary>Every copy's progress kept on <paramref name="disk"/>.</summary>
    public Dictionary<string, ResyncProgress> ReadCheckpoints(string disk)
    {
        lock (checkpoints) return Read(disk);
    }

    /// <summary>Durably records one copy's progress on <paramref name="disk"/>; null forgets it. Read, changed and written whole, one at a time.</summary>
    public void WriteCheckpoint(string disk, string key, ResyncProgress? progress)
    {
        lock (checkpoints)
        {
            var entries = Read(disk);
            if (progress is null) entries.Remove(key); else entries[key] = progress;
            using var device = DiskDevice.Open(io.PathOf(disk), write: true);
            device.WriteDurably(ResyncCheckpoint.Offset, ResyncCheckpoint.Encode(entries));
        }
    }

    private Dictionary<string, ResyncProgress> Read(string disk)
    {
        using var device = DiskDevice.Open(io.PathOf(disk));
        return ResyncCheckpoint.Decode(device.Read(ResyncCheckpoint.Offset, ResyncCheckpoint.Size));
    }
}
