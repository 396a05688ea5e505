using VolumeManager.Agent.Hosting;
using VolumeManager.Engine.Tests.Engine;

namespace VolumeManager.Engine.Tests.Agent;

/// <summary>Heartbeats go on while the agent's loop waits on a disk, and only then.</summary>
public sealed class HeartbeatPacerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private readonly SteppedClock clock = new();
    private readonly List<(string Peer, byte Beat)> sent = [];
    private readonly HeartbeatPacer pacer;

    public HeartbeatPacerTests() => pacer = new HeartbeatPacer(Interval, (peer, payload) => sent.Add((peer, payload[0])), clock);

    [Fact]
    public void The_last_heartbeat_to_each_peer_goes_again_each_interval_the_loop_spends_in_disk_io()
    {
        pacer.Sent("n2", [1]);
        pacer.Sent("n3", [1]);
        pacer.Sent("n2", [2]);

        using (pacer.DiskIo())
        {
            clock.Advance(Interval / 2);
            pacer.Pace();
            Assert.Empty(sent);
            clock.Advance(Interval / 2);
            pacer.Pace();
            Assert.Equal([("n2", (byte)2), ("n3", (byte)1)], sent.Order());
            pacer.Pace();
            Assert.Equal(2, sent.Count);
            clock.Advance(Interval);
            pacer.Pace();
            Assert.Equal(4, sent.Count);
        }
    }

    [Fact]
    public void Nothing_is_sent_again_while_the_loop_is_not_in_disk_io()
    {
        pacer.Sent("n2", [1]);
        using (pacer.DiskIo())
        {
        }

        clock.Advance(Interval * 10);
        pacer.Pace();

        Assert.Empty(sent);
    }

    [Fact]
    public void A_heartbeat_the_machine_sends_in_time_is_not_doubled()
    {
        using var io = pacer.DiskIo();
        for (var i = 0; i < 5; i++)
        {
            clock.Advance(Interval * 0.9);
            pacer.Sent("n2", [(byte)i]);
            pacer.Pace();
        }

        Assert.Empty(sent);
    }
}
