using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Model;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// On the node that coordinates a disk group: moves each detached plex off its failed disk (<see cref="Relocation"/>
/// decides where: hot spares first), as a change of its own; the plex is then Stale and the resync service copies it.
/// A plex that cannot move stays detached, said once in the log.
/// </summary>
public sealed class RelocationService(Func<NodeDatabase> database, Func<DiskGroup, bool> coordinates, KernelChanges changes, Action<string> log)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);
    private readonly HashSet<string> told = [];

    public async Task RunAsync(TimeSpan period, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(ct))
            foreach (var group in database().All.Where(coordinates).ToList())
                foreach (var (volume, plex) in Relocation.Wanted(group).ToList())
                    await RelocateAsync(group, volume, plex, ct);
    }

    private async Task RelocateAsync(DiskGroup group, Volume volume, Plex plex, CancellationToken ct)
    {
        var (move, problem) = Relocation.Plan(group, volume, plex);
        var key = $"{group.Name}/{volume.Name}/{plex.Name}";
        if (move is null)
        {
            if (told.Add(key + problem)) log($"relocation: {problem}");
            return;
        }
        log($"relocating plex {plex.Name} of {group.Name}/{volume.Name} to {string.Join(", ", move.Subdisks.Select(s => s.Disk).Distinct())}");
        var outcome = await changes.RunAsync(group, move, () => Moved(group.Name, volume.Name, plex.Name), DateTimeOffset.UtcNow + Budget, ct);
        if (!outcome.Ok && told.Add(key + outcome.Error)) log($"relocation of plex {plex.Name} of {group.Name}/{volume.Name} did not commit: {outcome.Error}");
    }

    private bool Moved(string group, string volume, string plex) =>
        database().Find(group)?.FindVolume(volume)?.FindPlex(plex) is not { State: PlexStates.Detached };
}
