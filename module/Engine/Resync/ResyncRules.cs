using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Engine.Resync;

/// <summary>One stale plex to copy: its group, volume and plex as the configuration has them, and its checkpoint key.</summary>
public sealed record ResyncTarget(DiskGroup Group, Model.Volume Volume, Plex Plex)
{
    public string Key => ResyncCheckpoint.Key(Group, Volume, Plex);
}

/// <summary>What the copy of one stale plex does next (<see cref="ResyncRules.Next"/>).</summary>
public enum ResyncStep
{
    /// <summary>Copy the range given from the source plex.</summary>
    Copy,
    /// <summary>Every byte is copied: propose marking the plex Active.</summary>
    Activate,
    /// <summary>This node no longer coordinates the group: leave the copy (and its checkpoint) to the one that does.</summary>
    HandOver,
    /// <summary>The plex is no longer stale (marked Active, removed, or laid out anew): the task ends.</summary>
    Gone,
    /// <summary>Suspended or stopped: copy nothing until resumed.</summary>
    Hold,
}

/// <summary>The decision for one step, and the range to copy when it is <see cref="ResyncStep.Copy"/>.</summary>
public readonly record struct ResyncDecision(ResyncStep Step, Plex? Source = null, long Offset = 0, int Length = 0);

/// <summary>
/// The resynchronisation rules, free of I/O: which plexes this node copies, from which plex, from where it resumes,
/// what the next step is, and how long a throttled copy waits. The agent's ResyncService follows them on real disks
/// and the simulator on simulated ones.
/// <list type="number">
/// <item>The node that coordinates a disk group (the master for a shared one, the owner for a private one) copies
/// every Stale plex of a volume that still has an Active plex; a volume without one has nothing to copy from.</item>
/// <item>The source is the first Active plex in the volume's order (the same on every node).</item>
/// <item>A copy resumes from the checkpoint of the same plex and layout (<see cref="ResyncCheckpoint.Key"/>), rounded
/// down to whole chunks; a checkpoint past the volume's end (the volume shrank) starts over.</item>
/// <item>The plex is proposed Active only once every byte up to the volume's current size is copied, and only by the
/// coordinating node; a plex that is no longer Stale (or whose layout changed) ends the task.</item>
/// </list>
/// </summary>
public static class ResyncRules
{
    public const int ChunkBytes = 1024 * 1024;

    /// <summary>The plexes <paramref name="coordinates"/> says this node copies (rule 1).</summary>
    public static IEnumerable<ResyncTarget> Targets(NodeDatabase db, Func<DiskGroup, bool> coordinates) =>
        from g in db.All.Where(coordinates)
        from v in g.Volumes where v.ActivePlexes.Any()
        from p in v.Plexes where p.State == PlexStates.Stale
        select new ResyncTarget(g, v, p);

    /// <summary>The plex the copy reads from (rule 2); null when the volume has no active plex other than <paramref name="target"/>.</summary>
    public static Plex? Source(Model.Volume volume, Plex? target = null) =>
        volume.ActivePlexes.FirstOrDefault(p => target is null || !NameRules.Same(p.Name, target.Name));

    /// <summary>Where a copy starts (rule 3).</summary>
    public static long ResumeAt(ResyncProgress? progress, long volumeSize) =>
        progress is null || progress.Done <= 0 || progress.Done > volumeSize ? 0 : progress.Done / ChunkBytes * ChunkBytes;

    /// <summary>The kind of copy a stale plex needs: Relocation for a plex moved (in part) to other disks, else Resync.</summary>
    public static TaskKind KindOf(Plex plex) => plex.Subdisks.Any(s => s.RelocatedFrom is not null) ? TaskKind.Relocation : TaskKind.Resync;

    /// <summary>
    /// The next step of the copy of <paramref name="key"/> that has reached <paramref name="offset"/> (rule 4):
    /// <paramref name="now"/> is the plex as the configuration has it now (null: not Stale any more).
    /// </summary>
    public static ResyncDecision Next(string key, ResyncTarget? now, bool coordinates, bool held, long offset)
    {
        if (now is null || now.Key != key) return new(ResyncStep.Gone);
        if (!coordinates) return new(ResyncStep.HandOver);
        if (held) return new(ResyncStep.Hold);
        if (offset >= now.Volume.SizeBytes) return new(ResyncStep.Activate);
        if (Source(now.Volume, now.Plex) is not { } source) return new(ResyncStep.HandOver);
        return new(ResyncStep.Copy, source, offset, (int)Math.Min(ChunkBytes, now.Volume.SizeBytes - offset));
    }

    /// <summary>
    /// How long a copy throttled to <paramref name="maxRateBytes"/> per second waits after copying <paramref name="copied"/>
    /// bytes in <paramref name="elapsed"/> since its rate window opened, so that it keeps to the rate; zero when unthrottled.
    /// </summary>
    public static TimeSpan Throttle(long copied, TimeSpan elapsed, long maxRateBytes)
    {
        if (maxRateBytes <= 0 || copied <= 0) return TimeSpan.Zero;
        var due = TimeSpan.FromSeconds((double)copied / maxRateBytes);
        return due > elapsed ? due - elapsed : TimeSpan.Zero;
    }
}
