using VolumeManager.Engine.Protocol;

namespace VolumeManager.Simulation;

/// <summary>
/// The simulated interconnect. Per ordered pair of nodes a link: frames arrive after a random delay, in
/// order while the connection lasts (TCP), unless <see cref="NetworkOptions"/> asks for loss, duplication
/// or reordering. A connection breaks when either agent dies or a partition cuts it: frames in flight are
/// lost and the peers that had the connection see <see cref="PeerLost"/> (a reset).
/// </summary>
public sealed class SimNetwork
{
    private sealed class Link
    {
        public long Epoch;
        public long LastDelivery;
        public bool Connected;
        public List<Message> Held = [];
    }

    private enum CutMode { Hold, Drop }

    private readonly Simulator sim;
    private readonly Link[,] links;
    private readonly int[] side;
    private readonly HashSet<(int, int)> cutPairs = [];
    private readonly List<(int From, Message Message)>[] backlog;
    private CutMode cutMode;

    internal SimNetwork(Simulator sim, int nodes)
    {
        this.sim = sim;
        links = new Link[nodes, nodes];
        for (var a = 0; a < nodes; a++)
            for (var b = 0; b < nodes; b++)
                links[a, b] = new Link();
        side = new int[nodes];
        backlog = Enumerable.Range(0, nodes).Select(_ => new List<(int, Message)>()).ToArray();
    }

    private NetworkOptions Options => sim.Options.Network;

    public bool Partitioned => cutPairs.Count > 0 || side.Any(s => s != 0);

    /// <summary>True when a partition separates the two nodes.</summary>
    public bool Cut(int a, int b) => side[a] != side[b] || cutPairs.Contains((Math.Min(a, b), Math.Max(a, b)));

    /// <summary>Cuts the link between two nodes alone, both ways, holding the frames until it heals: each still hears everyone else.</summary>
    public void CutBetween(string a, string b)
    {
        cutMode = CutMode.Hold;
        int x = sim.Node(a).Index, y = sim.Node(b).Index;
        cutPairs.Add((Math.Min(x, y), Math.Max(x, y)));
    }

    public long Sent { get; private set; }
    public long Delivered { get; private set; }

    internal void Send(SimNode from, SimNode to, Message message)
    {
        Sent++;
        int f = from.Index, t = to.Index;
        if (!to.Running)
        {
            if (Options.RedeliverAfterRestart > 0 && sim.Chance(Options.RedeliverAfterRestart)) backlog[t].Add((f, message));
            return;
        }
        if (Cut(f, t))
        {
            if (cutMode == CutMode.Hold) links[f, t].Held.Add(message);
            return;
        }
        if (Options.LossRate > 0 && sim.Chance(Options.LossRate)) return;
        var copies = Options.DuplicateRate > 0 && sim.Chance(Options.DuplicateRate) ? 2 : 1;
        for (var i = 0; i < copies; i++) Schedule(f, t, message);
    }

    private void Schedule(int f, int t, Message message)
    {
        var link = links[f, t];
        var delay = sim.Between(Options.MinDelay, Options.MaxDelay);
        var at = sim.Elapsed + delay;
        if (Options.Fifo && at.Ticks <= link.LastDelivery) at = TimeSpan.FromTicks(link.LastDelivery + 1);
        link.LastDelivery = at.Ticks;
        var epoch = link.Epoch;
        var to = sim.Nodes[t];
        sim.At(at - sim.Elapsed, () =>
        {
            if (link.Epoch != epoch || !to.Running) return;
            if (Cut(f, t))
            {
                if (cutMode == CutMode.Hold) link.Held.Add(message);
                return;
            }
            link.Connected = true;
            links[t, f].Connected = true;
            Delivered++;
            sim.Deliver(to, message);
        });
    }

    /// <summary>An agent died: its connections reset. Frames to it are lost; frames it had sent may or may not still arrive.</summary>
    internal void Crashed(SimNode node)
    {
        var x = node.Index;
        for (var y = 0; y < side.Length; y++)
        {
            if (y == x) continue;
            var had = links[x, y].Connected || links[y, x].Connected;
            links[y, x].Epoch++;
            links[y, x].Held.Clear();
            if (sim.Chance(0.5)) links[x, y].Epoch++;
            links[x, y].Held.Clear();
            links[x, y].Connected = links[y, x].Connected = false;
            if (had) Reset(sim.Nodes[y], node.Name, Options.ResetDelay);
        }
    }

    /// <summary>A restarted agent listens again: peers' links reconnect and may send what they queued for it meanwhile.</summary>
    internal void Restarted(SimNode node)
    {
        var queued = backlog[node.Index];
        backlog[node.Index] = [];
        foreach (var (from, message) in queued)
            if (!Cut(from, node.Index)) Schedule(from, node.Index, message);
    }

    /// <summary>The connection between two running agents breaks (both see a reset); frames in flight are lost.</summary>
    public void BreakConnection(string a, string b)
    {
        var x = sim.Node(a);
        var y = sim.Node(b);
        Break(x.Index, y.Index, Options.ResetDelay, Options.ResetDelay);
    }

    private void Break(int x, int y, TimeSpan minReset, TimeSpan maxReset)
    {
        var had = links[x, y].Connected || links[y, x].Connected;
        links[x, y].Epoch++;
        links[y, x].Epoch++;
        links[x, y].Connected = links[y, x].Connected = false;
        if (!had) return;
        Reset(sim.Nodes[x], sim.Nodes[y].Name, sim.Between(minReset, maxReset));
        Reset(sim.Nodes[y], sim.Nodes[x].Name, sim.Between(minReset, maxReset));
    }

    private void Reset(SimNode at, string peer, TimeSpan after)
    {
        var incarnation = at.Incarnation;
        var copies = sim.Chance(0.5) ? 2 : 1; // inbound and outbound connection each report it
        for (var i = 0; i < copies; i++)
            sim.At(after, () => { if (at.Incarnation == incarnation) sim.Feed(at, new PeerLost(sim.Now, peer)); });
    }

    /// <summary>
    /// Cuts the cluster in two. Either the connections survive and frames wait for the heal (TCP
    /// retransmits), or they reset: frames in flight are lost and each side may see a reset.
    /// </summary>
    public void Partition(IEnumerable<string> oneSide, bool resetConnections)
    {
        Heal();
        cutMode = resetConnections ? CutMode.Drop : CutMode.Hold;
        foreach (var name in oneSide) side[sim.Node(name).Index] = 1;
        if (!resetConnections) return;
        for (var x = 0; x < side.Length; x++)
            for (var y = x + 1; y < side.Length; y++)
                if (Cut(x, y))
                {
                    if (sim.Chance(0.5)) Break(x, y, Options.ResetDelay, sim.Options.Protocol.DownAfter);
                    else { links[x, y].Epoch++; links[y, x].Epoch++; links[x, y].Connected = links[y, x].Connected = false; }
                }
    }

    /// <summary>Ends the partition; frames held by surviving connections are delivered in order.</summary>
    public void Heal()
    {
        if (!Partitioned) return;
        Array.Clear(side);
        cutPairs.Clear();
        for (var x = 0; x < side.Length; x++)
            for (var y = 0; y < side.Length; y++)
            {
                var held = links[x, y].Held;
                if (held.Count == 0) continue;
                links[x, y].Held = [];
                foreach (var message in held) Schedule(x, y, message);
            }
    }
}
