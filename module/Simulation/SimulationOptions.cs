using VolumeManager.Engine.Protocol;

namespace VolumeManager.Simulation;

/// <summary>How the simulated interconnect behaves.</summary>
public sealed class NetworkOptions
{
    public TimeSpan MinDelay { get; set; } = TimeSpan.FromMilliseconds(1);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(12);
    /// <summary>Frames from one sender arrive in order while a connection lasts (TCP). Off: any order.</summary>
    public bool Fifo { get; set; } = true;
    /// <summary>Chance a frame is lost without the connection breaking (not TCP; for safety-only runs).</summary>
    public double LossRate { get; set; }
    /// <summary>Chance a frame is delivered twice (not TCP; for safety-only runs).</summary>
    public double DuplicateRate { get; set; }
    /// <summary>Chance that frames queued to a stopped agent reach its next incarnation (the peer's link reconnects and sends its queue).</summary>
    public double RedeliverAfterRestart { get; set; } = 0.5;
    /// <summary>How long a peer takes to see a connection reset after an agent dies.</summary>
    public TimeSpan ResetDelay { get; set; } = TimeSpan.FromMilliseconds(5);
    /// <summary>Latency of one control request or reply between an endpoint and its agent (remoting plus socket).</summary>
    public TimeSpan ControlLatency { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>TCP as the agents use it: in order, no loss except when a connection breaks.</summary>
    public static NetworkOptions Tcp() => new();

    /// <summary>Anything goes: loss, duplication and reordering. Only safety is expected to hold.</summary>
    public static NetworkOptions Hostile() => new() { Fifo = false, LossRate = 0.05, DuplicateRate = 0.05, MaxDelay = TimeSpan.FromMilliseconds(40) };
}

/// <summary>The simulated kernel: I/O load on shared disk groups and how quiesce drains it.</summary>
public sealed class KernelOptions
{
    /// <summary>Mean time between I/O submissions per node (0: no I/O).</summary>
    public TimeSpan IoInterval { get; set; } = TimeSpan.FromMilliseconds(40);
    public TimeSpan IoMaxDuration { get; set; } = TimeSpan.FromMilliseconds(30);
    /// <summary>How long quiesce may wait for I/O in flight before it fails (VolumeKernel's drain bound).</summary>
    public TimeSpan DrainBound { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Time to block the gate and rescan the disks once I/O has drained.</summary>
    public TimeSpan MinDrainDelay { get; set; } = TimeSpan.FromMilliseconds(1);
    public TimeSpan MaxDrainDelay { get; set; } = TimeSpan.FromMilliseconds(8);
}

/// <summary>One simulated cluster: its size, seed, timing and the environment around the state machines.</summary>
public sealed class SimulationOptions
{
    public int Nodes { get; set; } = 3;
    /// <summary>
    /// How many of the nodes the cluster definition names at first (all when null); the rest are hosts a change of
    /// membership (<see cref="Engine.Operations.AddNode"/>) brings in, each defined to itself and the first ones.
    /// </summary>
    public int? DefinedNodes { get; set; }
    public int Seed { get; set; }
    public ProtocolOptions Protocol { get; set; } = DefaultProtocol();
    /// <summary>How often each agent's timer ticks (the agent uses a quarter of the heartbeat interval, at least 20 ms).</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(100);
    public NetworkOptions Network { get; set; } = NetworkOptions.Tcp();
    public KernelOptions Kernel { get; set; } = new();
    public int SharedDisks { get; set; } = 8;
    /// <summary>Chance that a node cannot open one given shared disk (so node checks fail naming it).</summary>
    public double DiskInvisibleRate { get; set; }
    /// <summary>
    /// Copy every interconnect message through the wire JSON and reload the database and journal from their
    /// text on restart, as the real hosts do (checks the serialisation too). Off: hand-made copies, several
    /// times faster.
    /// </summary>
    public bool WireRoundTrip { get; set; }
    /// <summary>Keep the last lines of the trace (0: no trace).</summary>
    public int TraceLines { get; set; } = 400;

    /// <summary>Protocol timing of a test cluster: a few seconds of failure timeout, as docs/ARCHITECTURE.md "Failures and joins" says tests use.</summary>
    public static ProtocolOptions DefaultProtocol() => new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(250),
        DownAfter = TimeSpan.FromMilliseconds(1000),
        FailureTimeout = TimeSpan.FromSeconds(3),
        DiscoverTimeout = TimeSpan.FromMilliseconds(500),
        PrepareTimeout = TimeSpan.FromSeconds(4),
    };
}
