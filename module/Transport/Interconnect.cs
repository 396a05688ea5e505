using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace VolumeManager.Transport;

/// <summary>
/// Agent-to-agent TCP. Each node sends on its own outbound connection per peer and receives on the
/// connections its peers open, so frames from one sender arrive in order while a connection lasts.
/// Every connection starts with a challenge from each side (hello, welcome, confirm); every frame is
/// tagged with the cluster key over its sender, recipient, connection and sequence number.
/// </summary>
public sealed class Interconnect : IAsyncDisposable
{
    private readonly IPEndPoint listen;
    private readonly Action<string> log;
    private readonly LinkContext context;
    private readonly Channel<InboundFrame> inbound =
        Channel.CreateUnbounded<InboundFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, PeerLink> peers = new(StringComparer.Ordinal);
    private readonly TaskSet serving = new();
    private readonly InboundLinks inboundLinks = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private TcpListener? listener;
    private Task acceptLoop = Task.CompletedTask;
    private bool disposed;

    public Interconnect(
        string selfName, IPEndPoint listen, byte[] clusterKey, Action<string> log, InterconnectOptions? options = null)
    {
        Hello.ValidateName(selfName, nameof(selfName));
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(log);
        options ??= InterconnectOptions.Default;
        var authenticator = new HmacFrameAuthenticator(clusterKey);
        SelfName = selfName;
        this.listen = listen;
        this.log = log;
        context = new LinkContext(
            selfName,
            new FrameCodec(authenticator, options.MaxPayloadLength + FrameEnvelope.MaxOverhead),
            new FrameCodec(authenticator, Hello.MaxPayloadLength),
            options,
            log,
            frame => inbound.Writer.TryWrite(frame));
    }

    public string SelfName { get; }

    /// <summary>Frames and handshakes refused as replayed, reordered or redirected since start (each logged as ReplayRefused).</summary>
    public long ReplaysRefused => context.ReplaysRefused;

    /// <summary>The bound address, with the actual port when constructed with port 0.</summary>
    public IPEndPoint LocalEndPoint =>
        (IPEndPoint?)listener?.LocalEndpoint ?? throw new InvalidOperationException("The interconnect is not started.");

    /// <summary>Messages and connection changes; completes after <see cref="DisposeAsync"/>.</summary>
    public ChannelReader<InboundFrame> Inbound => inbound.Reader;

    private InterconnectOptions Options => context.Options;

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (listener is not null)
            {
                throw new InvalidOperationException("The interconnect is already started.");
            }
            listener = Listen();
            acceptLoop = AcceptLoopAsync(listener, stopping.Token);
        }
        log($"Interconnect: '{SelfName}' listening on {LocalEndPoint}.");
        return Task.CompletedTask;
    }

    /// <summary>Adds a peer, or changes its address; the next connection uses the new address.</summary>
    public void RegisterPeer(string name, IPEndPoint address)
    {
        Hello.ValidateName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(address);
        if (name == SelfName)
        {
            throw new ArgumentException($"'{name}' is this node's own name.", nameof(name));
        }
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (peers.TryGetValue(name, out PeerLink? link))
            {
                link.Address = address;
            }
            else
            {
                peers[name] = new PeerLink(name, address, context);
            }
        }
    }

    /// <summary>Forgets a peer and drops its queued frames; no disconnect notification follows.</summary>
    public async ValueTask RemovePeerAsync(string name)
    {
        PeerLink? link;
        lock (gate)
        {
            peers.TryRemove(name, out link);
        }
        if (link is not null)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues a frame to a registered peer without waiting. The interconnect keeps the array; do not
    /// change it afterwards.
    /// </summary>
    /// <returns>False when the peer's queue is full and the frame was dropped.</returns>
    public bool Send(string peer, byte[] payload)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed), this);
        ArgumentNullException.ThrowIfNull(payload);
        if (payload.Length > Options.MaxPayloadLength)
        {
            throw new ArgumentException(
                $"The payload is {payload.Length} bytes; frames are limited to {Options.MaxPayloadLength} bytes.",
                nameof(payload));
        }
        if (!peers.TryGetValue(peer, out PeerLink? link))
        {
            throw new InvalidOperationException($"'{peer}' is not a registered peer of '{SelfName}'.");
        }
        return link.TryEnqueue(payload);
    }

    public async ValueTask DisposeAsync()
    {
        PeerLink[] links;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            links = [.. peers.Values];
            peers.Clear();
        }
        stopping.Cancel();
        listener?.Stop();
        await acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(links.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
        await serving.WhenAll().ConfigureAwait(false);
        inbound.Writer.TryComplete();
        stopping.Dispose();
    }

    private TcpListener Listen()
    {
        var server = new TcpListener(listen);
        if (!OperatingSystem.IsWindows())
        {
            // Lets a restarted agent listen again at once while old connections sit in TIME_WAIT.
            server.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }
        try
        {
            server.Start();
            return server;
        }
        catch (SocketException e)
        {
            server.Stop();
            throw new IOException($"The interconnect cannot listen on {listen}: {e.Describe()}.", e);
        }
    }

    private async Task AcceptLoopAsync(TcpListener server, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await server.AcceptSocketAsync(ct).ConfigureAwait(false);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                log($"Interconnect: accepting a connection failed: {e.Describe()}.");
                continue;
            }
            serving.Add(new InboundConnection(socket, context, inboundLinks).ServeAsync(ct));
        }
    }
}
