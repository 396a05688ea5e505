using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using VolumeManager.Transport;

namespace VolumeManager.Engine.Tests.Transport;

public sealed partial class InterconnectTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private readonly List<Interconnect> nodes = [];
    private readonly ConcurrentQueue<string> log = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (Interconnect node in nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_thousand_messages_arrive_in_order()
    {
        Interconnect a = await StartAsync("a");
        Interconnect b = await StartAsync("b");
        a.RegisterPeer("b", b.LocalEndPoint);

        for (int i = 0; i < 1000; i++)
        {
            Assert.True(a.Send("b", BitConverter.GetBytes(i)));
        }

        for (int i = 0; i < 1000; i++)
        {
            PeerMessage message = await NextAsync<PeerMessage>(b);
            Assert.Equal("a", message.From);
            Assert.Equal(i, BitConverter.ToInt32(message.Payload));
        }
    }

    [Fact]
    public async Task Two_nodes_exchange_messages_both_ways()
    {
        Interconnect a = await StartAsync("a");
        Interconnect b = await StartAsync("b");
        a.RegisterPeer("b", b.LocalEndPoint);
        b.RegisterPeer("a", a.LocalEndPoint);

        a.Send("b", "ping"u8.ToArray());
        PeerMessage ping = await NextAsync<PeerMessage>(b);
        b.Send("a", "pong"u8.ToArray());
        PeerMessage pong = await NextAsync<PeerMessage>(a);

        AssertMessage("a", "ping", ping);
        AssertMessage("b", "pong", pong);
    }

    [Fact]
    public async Task A_peer_with_the_wrong_cluster_key_is_refused_and_its_frames_never_arrive()
    {
        var refused = new TaskCompletionSource();
        var aLog = new ConcurrentQueue<string>();
        Interconnect a = await StartAsync("a", line =>
        {
            aLog.Enqueue(line);
            if (line.Contains("refused"))
            {
                refused.TrySetResult();
            }
        });
        Interconnect intruder = await StartAsync("m", keyOverride: RandomNumberGenerator.GetBytes(32));
        Interconnect c = await StartAsync("c");
        intruder.RegisterPeer("a", a.LocalEndPoint);
        Assert.True(intruder.Send("a", "forged"u8.ToArray()));

        await refused.Task.WaitAsync(Bound);
        c.RegisterPeer("a", a.LocalEndPoint);
        c.Send("a", "marker"u8.ToArray());
        List<InboundFrame> seen = await CollectUntilAsync(a, f => f is PeerMessage);

        AssertMessage("c", "marker", (PeerMessage)seen[^1]);
        Assert.DoesNotContain(seen, f => f.From == "m");
        Assert.Contains(aLog, l => l.Contains("refused") && l.Contains("did not verify with the cluster key"));
    }

    [Fact]
    public async Task A_frame_with_a_bad_tag_is_dropped_and_later_frames_arrive()
    {
        var dropped = new TaskCompletionSource<string>();
        Interconnect a = await StartAsync("a", line =>
        {
            if (line.Contains("dropped"))
            {
                dropped.TrySetResult(line);
            }
        });
        var forged = new FrameCodec(new HmacFrameAuthenticator(RandomNumberGenerator.GetBytes(32)));
        using RawPeer raw = await RawPeer.ConnectAsync(a.LocalEndPoint, key, "raw", "a");

        await forged.WriteFrameAsync(raw.Stream, "raw", "x"u8.ToArray(), default);
        await raw.SendAsync(1, "y"u8.ToArray());
        PeerMessage message = await NextAsync<PeerMessage>(a);

        AssertMessage("raw", "y", message);
        Assert.Contains("1-byte frame from 'raw': its tag did not verify", await dropped.Task.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_connection_that_opens_with_garbage_is_refused_and_closed()
    {
        var refused = new TaskCompletionSource<string>();
        Interconnect a = await StartAsync("a", line =>
        {
            if (line.Contains("refused"))
            {
                refused.TrySetResult(line);
            }
        });
        using var client = new TcpClient();
        await client.ConnectAsync(a.LocalEndPoint);
        NetworkStream stream = client.GetStream();

        await stream.WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF });
        int read = await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(Bound);

        Assert.Equal(0, read);
        Assert.Contains("4294967295", await refused.Task.WaitAsync(Bound));
    }

    [Fact]
    public async Task Disposing_one_side_notifies_the_other_of_both_lost_connections()
    {
        Interconnect a = await StartAsync("a");
        Interconnect b = await StartAsync("b");
        a.RegisterPeer("b", b.LocalEndPoint);
        b.RegisterPeer("a", a.LocalEndPoint);
        a.Send("b", "ping"u8.ToArray());
        await NextAsync<PeerMessage>(b);
        b.Send("a", "pong"u8.ToArray());
        await NextAsync<PeerMessage>(a);

        await a.DisposeAsync();

        var lost = new HashSet<(string, LinkDirection)>();
        while (lost.Count < 2)
        {
            PeerDisconnected disconnected = await NextAsync<PeerDisconnected>(b);
            lost.Add((disconnected.From, disconnected.Direction));
        }
        Assert.Equal([("a", LinkDirection.Inbound), ("a", LinkDirection.Outbound)], lost.Order());
        await a.Inbound.Completion.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_link_reconnects_when_the_peer_restarts_on_the_same_address()
    {
        Interconnect a = await StartAsync("a");
        Interconnect b = await StartAsync("b");
        IPEndPoint address = b.LocalEndPoint;
        a.RegisterPeer("b", address);
        a.Send("b", "before"u8.ToArray());
        await NextAsync<PeerMessage>(b);

        await b.DisposeAsync();
        await NextAsync<PeerDisconnected>(a, d => d.From == "b" && d.Direction == LinkDirection.Outbound);
        Interconnect restarted = await StartAsync("b", listen: address);
        a.Send("b", "after"u8.ToArray());
        PeerMessage message = await NextAsync<PeerMessage>(restarted);

        AssertMessage("a", "after", message);
    }

    [Fact]
    public async Task Frames_beyond_the_queue_bound_are_dropped_while_the_peer_is_unreachable()
    {
        Interconnect a = await StartAsync("a", options: new InterconnectOptions { MaxQueuedFrames = 3 });
        a.RegisterPeer("b", UnusedLoopbackEndPoint());

        bool[] queued = [.. Enumerable.Range(0, 4).Select(i => a.Send("b", [(byte)i]))];

        Assert.Equal([true, true, true, false], queued);
        Assert.Contains(log, l => l.Contains("send queue to 'b' is full"));
    }

    [Fact]
    public async Task Sending_to_an_unregistered_peer_is_an_error()
    {
        Interconnect a = await StartAsync("a");

        var error = Assert.Throws<InvalidOperationException>(() => a.Send("nobody", [1]));

        Assert.Contains("'nobody'", error.Message);
    }

    private static void AssertMessage(string from, string text, PeerMessage message)
    {
        Assert.Equal(from, message.From);
        Assert.Equal(text, Encoding.UTF8.GetString(message.Payload));
    }

    private async Task<Interconnect> StartAsync(
        string name,
        Action<string>? onLog = null,
        byte[]? keyOverride = null,
        InterconnectOptions? options = null,
        IPEndPoint? listen = null)
    {
        var node = new Interconnect(
            name,
            listen ?? new IPEndPoint(IPAddress.Loopback, 0),
            keyOverride ?? key,
            line =>
            {
                log.Enqueue($"{name}: {line}");
                onLog?.Invoke(line);
            },
            options);
        nodes.Add(node);
        await node.StartAsync();
        return node;
    }

    private static async Task<T> NextAsync<T>(Interconnect node, Func<T, bool>? match = null)
        where T : InboundFrame
    {
        List<InboundFrame> seen = await CollectUntilAsync(node, f => f is T t && (match?.Invoke(t) ?? true));
        return (T)seen[^1];
    }

    private static async Task<List<InboundFrame>> CollectUntilAsync(Interconnect node, Func<InboundFrame, bool> stop)
    {
        using var bound = new CancellationTokenSource(Bound);
        var seen = new List<InboundFrame>();
        while (seen.Count == 0 || !stop(seen[^1]))
        {
            seen.Add(await node.Inbound.ReadAsync(bound.Token));
        }
        return seen;
    }

    private static IPEndPoint UnusedLoopbackEndPoint()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var address = (IPEndPoint)probe.LocalEndpoint;
        probe.Stop();
        return address;
    }
}
