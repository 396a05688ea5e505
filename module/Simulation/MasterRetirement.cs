namespace VolumeManager.Simulation;

/// <summary>
/// Removing the master for good, as its refusal says to: the administrator stops the master's agent, and once another
/// member has taken over removes the node (Remove-VmNode -Permanent) from a running member, trying again while the
/// cluster still counts it (Down until the failure timeout evicts it). After a few failed tries, or once faults stop
/// (every stopped agent restarts then), the node's agent is started again and it stays in the cluster.
/// </summary>
public sealed class MasterRetirement(Simulator sim, Workload workload, Action<string> fault)
{
    private const int Tries = 6;
    private readonly HashSet<string> retiring = [];

    /// <summary>A node whose agent was stopped to retire it: nothing else starts it while it is retiring.</summary>
    public bool IsRetiring(SimNode node) => retiring.Contains(node.Name);

    public bool Any => retiring.Count > 0;

    public void Retire(SimNode master)
    {
        fault($"{master.Name} (master) is retired: its agent stops, and once another member takes over it is removed for good");
        retiring.Add(master.Name);
        sim.Crash(master);
        var protocol = sim.Options.Protocol;
        sim.At(sim.Between(protocol.DownAfter, protocol.FailureTimeout * 1.5), () => Try(master, 1));
    }

    /// <summary>Faults stop: a master not removed yet is started again (a removal under way may still commit).</summary>
    public void GiveUp()
    {
        foreach (var node in retiring.Select(sim.Node).Where(n => sim.InCluster(n) && !n.Running).ToList())
        {
            fault($"{node.Name} was not removed for good before faults stopped; its agent starts again");
            sim.Start(node);
        }
        retiring.Clear();
    }

    private void Try(SimNode node, int attempt)
    {
        if (!retiring.Contains(node.Name)) return;
        if (!sim.InCluster(node)) { retiring.Remove(node.Name); return; }
        var from = sim.Nodes.Where(n => n != node && sim.InCluster(n) && n.Machine is { Phase: Engine.Protocol.NodePhase.Joined }).ToList();
        if (attempt > Tries || from.Count == 0)
        {
            fault($"removing {node.Name} for good did not succeed; its agent starts again");
            retiring.Remove(node.Name);
            sim.Start(node);
            return;
        }
        var admin = sim.Pick(from).Name;
        var run = workload.Start(admin, workload.RemoveNode(admin, node.Name));
        void Wait()
        {
            if (!run.Done) { sim.At(TimeSpan.FromMilliseconds(100), Wait); return; }
            sim.At(sim.Between(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)), () => Try(node, attempt + 1));
        }
        Wait();
    }
}
