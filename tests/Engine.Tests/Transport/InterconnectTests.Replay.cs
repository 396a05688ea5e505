using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using VolumeManager.Transport;

namespace VolumeManager.Engine.Tests.Transport;

/// <summary>
/// Frames and handshakes recorded on the wire and played again: each is refused and logged, and the
/// receiving node's stream of messages shows nothing of them.
/// </summary>
public sealed partial class InterconnectTests
{
    [Fact]
    public async Task A_replayed_hello_and_its_frames_are_refused_and_nothing_arrives()
    {
        var bLog = new ConcurrentQueue<string>();
        Interconnect a = await StartAsync("a");
        Interconnect b = await StartAsync("b", bLog.Enqueue);
        await using var proxy = new FrameProxy(b.LocalEndPoint);
        a.RegisterPeer("b", proxy.EndPoint);
        a.Send("b", "one"u8.ToArray());
        await NextAsync<PeerMessage>(b);

        using (var replay = new TcpClient())
        {
            await replay.ConnectAsync(b.LocalEndPoint);
            foreach (byte[] frame in proxy.Frames)
            {
                await replay.GetStream().WriteAsync(frame);
            }
            int read = await ReadUntilClosedAsync(replay.GetStream());
            Assert.True(read > 0, "b answered the replayed hello with a fresh welcome before refusing it");
        }
        a.Send("b", "two"u8.ToArray());
        List<InboundFrame> seen = await CollectUntilAsync(b, f => f is PeerMessage);

        AssertMessage("a", "two", (PeerMessage)Assert.Single(seen));
        Assert.Contains(bLog, l => l.Contains("ReplayRefused: refused a connection")
            && l.Contains("the confirm from 'a' did not answer this connection's challenge (a replayed handshake)"));
        Assert.True(b.ReplaysRefused >= 1, $"b counted {b.ReplaysRefused} refused replays");
    }

    [Fact]
    public async Task A_frame_replayed_on_its_own_connection_is_dropped_and_the_link_goes_on()
    {
        var bLog = new ConcurrentQueue<string>();
        Interconnect a = await StartAsync("a");
        Interconnect b = await StartAsync("b", bLog.Enqueue);
        await using var proxy = new FrameProxy(b.LocalEndPoint);
        a.RegisterPeer("b", proxy.EndPoint);
        a.Send("b", "one"u8.ToArray());
        await NextAsync<PeerMessage>(b);

        await proxy.InjectAsync(proxy.Frames[^1]);
        a.Send("b", "two"u8.ToArray());
        List<InboundFrame> seen = await CollectUntilAsync(b, f => f is PeerMessage);

        AssertMessage("a", "two", (PeerMessage)Assert.Single(seen));
        Assert.Contains(bLog, l => l.Contains("ReplayRefused: dropped a")
            && l.Contains("from 'a': its sequence number 1 is not above 1, the last accepted (replayed or reordered)"));
        Assert.Equal(1, b.ReplaysRefused);
        Assert.Equal(0, a.ReplaysRefused);
    }

    [Fact]
    public async Task A_frame_lifted_onto_another_connection_is_dropped()
    {
        var bLog = new ConcurrentQueue<string>();
        Interconnect a = await StartAsync("a");
        Interconnect b = await StartAsync("b", bLog.Enqueue);
        await using var proxy = new FrameProxy(b.LocalEndPoint);
        a.RegisterPeer("b", proxy.EndPoint);
        a.Send("b", "one"u8.ToArray());
        await NextAsync<PeerMessage>(b);
        using RawPeer raw = await RawPeer.ConnectAsync(b.LocalEndPoint, key, "a", "b");
        await NextAsync<PeerConnected>(b);

        await raw.WriteRawAsync(proxy.Frames[^1]);
        await raw.SendAsync(1, "marker"u8.ToArray());
        List<InboundFrame> seen = await CollectUntilAsync(b, f => f is PeerMessage);

        AssertMessage("a", "marker", (PeerMessage)Assert.Single(seen));
        Assert.Contains(bLog, l => l.Contains("from 'a': it belongs to another connection (replayed from an earlier one)"));
    }

    [Fact]
    public async Task A_frame_addressed_to_another_node_is_dropped()
    {
        var bLog = new ConcurrentQueue<string>();
        Interconnect b = await StartAsync("b", bLog.Enqueue);
        using RawPeer raw = await RawPeer.ConnectAsync(b.LocalEndPoint, key, "a", "b");
        await NextAsync<PeerConnected>(b);

        await raw.SendAsync(1, "for c"u8.ToArray(), to: "c");
        await raw.SendAsync(2, "for b"u8.ToArray());
        List<InboundFrame> seen = await CollectUntilAsync(b, f => f is PeerMessage);

        AssertMessage("a", "for b", (PeerMessage)Assert.Single(seen));
        Assert.Contains(bLog, l => l.Contains("ReplayRefused: dropped a") && l.Contains("from 'a': it is addressed to 'c', not to this node (redirected)"));
        Assert.Equal(1, b.ReplaysRefused);
    }

    [Fact]
    public async Task A_hello_addressed_to_another_node_is_refused()
    {
        var bLog = new ConcurrentQueue<string>();
        Interconnect b = await StartAsync("b", bLog.Enqueue);

        await Assert.ThrowsAnyAsync<Exception>(() => RawPeer.ConnectAsync(b.LocalEndPoint, key, "a", "c"));

        Assert.Contains(bLog, l => l.Contains("its hello from 'a' is addressed to 'c', not to this node"));
    }

    [Fact]
    public async Task A_replayed_welcome_does_not_open_a_link()
    {
        var aLog = new ConcurrentQueue<string>();
        Interconnect a = await StartAsync("a", aLog.Enqueue);
        Interconnect b = await StartAsync("b");
        byte[] welcome = await RecordWelcomeAsync(b.LocalEndPoint);
        using var impostor = new TcpListener(IPAddress.Loopback, 0);
        impostor.Start();
        a.RegisterPeer("b", (IPEndPoint)impostor.LocalEndpoint);
        a.Send("b", "secret"u8.ToArray());

        using Socket dialled = await impostor.AcceptSocketAsync().WaitAsync(Bound);
        await using var stream = new NetworkStream(dialled);
        await FrameProxy.ReadRawFrameAsync(stream, default);
        await stream.WriteAsync(welcome);
        byte[]? next = await FrameProxy.ReadRawFrameAsync(stream, default).WaitAsync(Bound);

        Assert.Null(next);
        // The link closes before its reason is logged: a loaded machine shows the close first.
        bool Refused(string l) => l.Contains("cannot connect to 'b'")
            && l.Contains("ReplayRefused: the welcome from 'b' did not answer this connection's challenge (a replayed handshake)");
        for (var waited = TimeSpan.Zero; !aLog.Any(Refused) && waited < Bound; waited += TimeSpan.FromMilliseconds(10)) await Task.Delay(10);
        Assert.Contains(aLog, Refused);
        Assert.True(a.ReplaysRefused >= 1);
    }

    private async Task<byte[]> RecordWelcomeAsync(IPEndPoint listener)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(listener);
        var codec = new FrameCodec(new HmacFrameAuthenticator(key));
        await codec.WriteFrameAsync(client.GetStream(), Hello.Sender, Hello.EncodeHello("a", "b", Hello.NewChallenge()), default);
        return (await FrameProxy.ReadRawFrameAsync(client.GetStream(), default))!;
    }

    private static async Task<int> ReadUntilClosedAsync(NetworkStream stream)
    {
        byte[] buffer = new byte[4096];
        int total = 0;
        using var bound = new CancellationTokenSource(Bound);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, bound.Token)) > 0)
            {
                total += read;
            }
        }
        catch (IOException)
        {
        }
        return total;
    }
}
