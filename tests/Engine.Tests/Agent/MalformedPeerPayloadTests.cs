using System.Net;
using System.Net.Sockets;
using VolumeManager.Agent.Hosting;
using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Tests.Transport;
using VolumeManager.Transport;

namespace VolumeManager.Engine.Tests.Agent;

/// <summary>
/// A real agent host (n1) and a peer (n2) holding the cluster key: payloads that are not messages
/// are dropped and logged, and n1 goes on answering n2 over the same interconnect.
/// </summary>
public sealed class MalformedPeerPayloadTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempDirectory temp = new();
    private readonly CancellationTokenSource stop = new();
    private Interconnect peer = null!;
    private AgentHost host = null!;
    private AgentLog log = null!;
    private StateDirectory state = null!;
    private Task running = Task.CompletedTask;
    private IPEndPoint agentAddress = null!;
    private byte[] key = [];

    public async Task InitializeAsync()
    {
        key = ClusterKey.Create(temp.File("cluster.key"));
        peer = new Interconnect("n2", new IPEndPoint(IPAddress.Loopback, 0), key, _ => { });
        await peer.StartAsync();
        agentAddress = FreeLoopbackEndPoint();
        var cluster = new ClusterDefinition
        {
            Name = "malformed",
            Id = Guid.NewGuid(),
            KeyFile = temp.File("cluster.key"),
            Nodes =
            [
                new() { Name = "n1", Interconnect = agentAddress.ToString(), StateDirectory = temp.File("n1"), Order = 0 },
                new() { Name = "n2", Interconnect = peer.LocalEndPoint.ToString(), StateDirectory = temp.File("n2"), Order = 1 },
            ],
        };
        state = new StateDirectory(temp.File("n1"));
        log = new AgentLog(state.Files.Log, "n1");
        host = new AgentHost(cluster, cluster.Nodes[0], state, log, new FaultHook(false, log));
        running = host.RunAsync(stop.Token);
    }

    public async Task DisposeAsync()
    {
        stop.Cancel();
        await running.ContinueWith(_ => { }, TaskScheduler.Default);
        await host.DisposeAsync();
        await peer.DisposeAsync();
        log.Dispose();
        state.Dispose();
        temp.Dispose();
    }

    [Fact]
    public async Task Payloads_that_are_not_messages_are_dropped_and_the_node_keeps_answering()
    {
        using RawPeer raw = await ConnectWhenListeningAsync();
        await raw.SendAsync(1, "{ not json"u8.ToArray());
        await raw.SendAsync(2, "null"u8.ToArray());
        await raw.SendAsync(3, """{"type":"NoSuchStep"}"""u8.ToArray());
        await WaitForLogAsync(text => CountOf(text, "does not decode") >= 3);

        peer.RegisterPeer("n1", agentAddress);
        peer.Send("n1", WireJson.Serialize<Message>(new Discover()));
        DiscoverReply reply = await NextReplyAsync();

        Assert.Equal("n1", reply.Members[0].Name);
        string agentLog = await File.ReadAllTextAsync(state.Files.Log);
        Assert.Contains("dropped a 10-byte message from n2: it does not decode", agentLog);
        Assert.DoesNotContain("fatal", agentLog);
    }

    private async Task<RawPeer> ConnectWhenListeningAsync()
    {
        using var bound = new CancellationTokenSource(Bound);
        while (true)
        {
            try
            {
                return await RawPeer.ConnectAsync(agentAddress, key, "n2", "n1");
            }
            catch (SocketException) when (!bound.IsCancellationRequested)
            {
                await Task.Delay(50, bound.Token);
            }
        }
    }

    private async Task WaitForLogAsync(Func<string, bool> done)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (!done(await File.ReadAllTextAsync(state.Files.Log, bound.Token)))
        {
            await Task.Delay(50, bound.Token);
        }
    }

    private async Task<DiscoverReply> NextReplyAsync()
    {
        using var bound = new CancellationTokenSource(Bound);
        while (true)
        {
            if (await peer.Inbound.ReadAsync(bound.Token) is PeerMessage { From: "n1" } m
                && WireJson.Deserialize<Message>(m.Payload) is DiscoverReply reply)
            {
                return reply;
            }
        }
    }

    private static int CountOf(string text, string part) => text.Split(part).Length - 1;

    private static IPEndPoint FreeLoopbackEndPoint()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var address = (IPEndPoint)probe.LocalEndpoint;
        probe.Stop();
        return address;
    }
}
