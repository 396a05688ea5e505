using VolumeManager.Engine.Import;
using VolumeManager.Engine.Model;

namespace VolumeManager.Agent.Storage;

/// <summary>A serial split brain found as the node comes back: it refuses to join (the agent does not start).</summary>
public sealed class SerialSplitBrainException(string message) : Exception(message);

/// <summary>
/// Before the node joins, each private group of its database is checked against its disks' copies
/// (<see cref="HeldGroupCheck"/>): a group imported elsewhere meanwhile is given up (dropped from the database,
/// durably, logged; its disks are not written), a diverged one stops the agent.
/// </summary>
public static class HeldGroups
{
    /// <exception cref="SerialSplitBrainException">A private group's disks hold a configuration that diverged from the node's.</exception>
    public static NodeDatabase Reconcile(string node, NodeDatabase database, DiskCopyReader disks, ConfigStore store, Action<string> log)
    {
        if (database.Private.Count == 0) return database;
        var copies = disks.Read(null);
        var given = new List<string>();
        foreach (var group in database.Private)
        {
            var finding = HeldGroupCheck.Check(node, group, copies);
            if (finding.Verdict == HeldGroupVerdict.Diverged) throw new SerialSplitBrainException(finding.Message);
            if (finding.Verdict == HeldGroupVerdict.Superseded) { log(finding.Message); given.Add(group.Name); }
        }
        if (given.Count == 0) return database;
        var after = database.CopyForChange();
        after.Private.RemoveAll(g => given.Contains(g.Name));
        store.SaveDatabase(after);
        return after;
    }
}
