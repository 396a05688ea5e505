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

    /// <summary>
    /// Makes one range of a volume's plexes equal (a dirty region's recovery, a failed write's repair): copied from the
    /// volume's first active plex to every other plex writes reach (<see cref="Engine.Resync.DirtyRegions"/>). Returns the
    /// source, told to <paramref name="copying"/> first. Call it inside the disk group's gate.
    /// </summary>
    /// <exception cref="InvalidOperationException">The volume has no active plex to copy from.</exception>
    /// <exception cref="IOException">The range kept changing under concurrent writes.</exception>
    public Plex CopyToOthers(Volume volume, long offset, int length, Action<Plex>? copying = null)
    {
        if (Engine.Resync.DirtyRegions.Source(volume) is not { } source) throw new InvalidOperationException($"volume '{volume.Name}' has no active plex to copy from.");
        copying?.Invoke(source);
        foreach (var target in Engine.Resync.DirtyRegions.Targets(volume, source))
            if (!Copy(source, target, offset, length))
                throw new IOException($"bytes {offset}..{offset + length} kept changing under concurrent writes.");
        return source;
    }

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
