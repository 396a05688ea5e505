using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Resync;

/// <summary>One mirror without a log to copy whole, and the nodes whose writes in flight it may hold.</summary>
public sealed record WholeRecovery(DiskGroup Group, Model.Volume Volume, IReadOnlyList<string> ForNodes)
{
    public string ForNode => string.Join("+", ForNodes);
}

/// <summary>
/// Which mirrors without a log (<see cref="DirtyRegions.NeedsFullRecovery"/>) this node copies whole, as what it sees
/// changes. The agent's RecoveryService and the simulator ask it at every look; it remembers, per group this node
/// coordinates, the nodes that were down at the last look.
/// <list type="number">
/// <item>A node that went down since the last look may have left writes in flight: the group's coordinator copies. So
/// may one whose agent's process changed since the last look (it crashed and joined again between two looks).</item>
/// <item>So does a node removed from the membership for good since the last look (its removal's prepare drained its
/// writes): a failed write of its own may have left the plexes different, and the repair it asked for is no longer
/// heard (simulation seeds 154825, 162760). Not a node that left cleanly: it may still be writing until it learns it
/// left, and a copy started meanwhile can put an older block over its write (default seed 106432).</item>
/// <item>A group this node has not coordinated during its run yet (its agent just started, or it just became master):
/// every node down now, and this node's own previous run (it may have stopped with writes in flight, and nobody saw it
/// down: the owner of a private group, or a master after the whole cluster went down), are owed a copy.</item>
/// <item>One copy per volume, whatever the number of nodes it is for.</item>
/// </list>
/// </summary>
public sealed class WholeRecoveryWatch(string self)
{
    private Dictionary<Guid, HashSet<string>> seen = [];
    private Dictionary<string, int> processes = [];

    /// <summary>
    /// The copies owed now, given the groups this node coordinates, the members down now and each
    /// member's agent process id (the membership: a node no longer in it since the last look left it for good).
    /// </summary>
    public List<WholeRecovery> Next(IEnumerable<DiskGroup> coordinated, IReadOnlyCollection<string> down, IReadOnlyDictionary<string, int>? processIds = null)
    {
        var restarted = processIds is null ? [] : processIds
            .Where(p => p.Value != 0 && processes.TryGetValue(p.Key, out var was) && was != 0 && was != p.Value).Select(p => p.Key).ToList();
        var removed = processIds is null ? [] : processes.Keys.Where(n => n != self && !processIds.ContainsKey(n)).ToList();
        var owed = new List<WholeRecovery>();
        var next = new Dictionary<Guid, HashSet<string>>();
        foreach (var group in coordinated)
        {
            var before = seen.GetValueOrDefault(group.Id);
            var went = before is null ? down.Append(self).ToList() : down.Concat(restarted).Concat(removed).Where(n => !before.Contains(n)).ToList();
            if (went.Count > 0)
                owed.AddRange(group.Volumes.Where(DirtyRegions.NeedsFullRecovery).Select(v => new WholeRecovery(group, v, [.. went.Distinct().Order(StringComparer.Ordinal)])));
            next[group.Id] = new HashSet<string>(down, StringComparer.Ordinal);
        }
        seen = next;   // a group no longer coordinated is forgotten: coordinating it again owes copies anew (rule 3)
        if (processIds is not null) processes = new Dictionary<string, int>(processIds, StringComparer.Ordinal);
        return owed;
    }
}
