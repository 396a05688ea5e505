using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace VolumeManager.Transport;

/// <summary>
/// The outbound side to one peer: a bounded queue drained in order over one connection, opened when
/// there is something to send and reopened with backoff after a failure.
/// </summary>
internal sealed class PeerLink : IAsyncDisposable
{
    private readonly LinkContext context;
    private readonly Channel<byte[]> queue;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private volatile IPEndPoint address;
    private int dropping;

    public PeerLink(string name, IPEndPoint address, LinkContext context)
    {
        Name = name;
        this.address = address;
        this.context = context;
        queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(context.Options.MaxQueuedFrames)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        loop = Task.Run(() => RunAsync(stopping.Token));
    }

    public string Name { get; }

    public IPEndPoint Address
    {
        get => address;
        set => address = value;
    }

    private InterconnectOptions Options => context.Options;

    public bool TryEnqueue(byte[] payload)
    {
        if (queue.Writer.TryWrite(payload))
        {
            Volatile.Write(ref dropping, 0);
            return true;
        }
        if (Interlocked.Exchange(ref dropping, 1) == 0)
        {
            context.Log($"Interconnect: the send queue to '{Name}' is full ({Options.MaxQueuedFrames} frames); "
                + "dropping frames until it drains.");
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Cancel();
        await loop.ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (await queue.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                OutboundSession session = await ConnectAsync(ct).ConfigureAwait(false);
                context.Emit(new PeerConnected(Name, LinkDirection.Outbound));
                string reason = await PumpAsync(session, ct).ConfigureAwait(false);
                context.Log($"Interconnect: lost the connection to '{Name}': {reason}.");
                context.Emit(new PeerDisconnected(Name, LinkDirection.Outbound, reason));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            context.Log($"Interconnect: the link to '{Name}' stopped after an unexpected error: {e}");
        }
    }

    private async Task<OutboundSession> ConnectAsync(CancellationToken ct)
    {
        TimeSpan delay = Options.ReconnectDelayMin;
        for (int attempt = 1; ; attempt++)
        {
            IPEndPoint target = Address;
            try
            {
                OutboundSession session = await HandshakeAsync(target, ct).ConfigureAwait(false);
                if (attempt > 1)
                {
                    context.Log($"Interconnect: connected to '{Name}' at {target} after {attempt} attempts.");
                }
                return session;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    context.Log($"Interconnect: cannot connect to '{Name}' at {target}: {e.Describe()}; "
                        + "retrying with backoff.");
                }
            }
            await Task.Delay(Jitter(delay), ct).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Options.ReconnectDelayMax.Ticks));
        }
    }

    private async Task<OutboundSession> HandshakeAsync(IPEndPoint target, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Options.HandshakeTimeout);
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        LinkSockets.Configure(socket, Options);
        try
        {
            await socket.ConnectAsync(target, timeout.Token).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            byte[] challenge = Hello.NewChallenge();
            await context.HelloCodec.WriteFrameAsync(
                stream, Hello.Sender, Hello.EncodeHello(context.SelfName, Name, challenge), timeout.Token)
                .ConfigureAwait(false);
            FrameReadResult welcome = await context.HelloCodec.ReadFrameAsync(stream, Hello.Sender, timeout.Token)
                .ConfigureAwait(false);
            HandshakeFrame answer = CheckWelcome(welcome, challenge);
            await context.HelloCodec.WriteFrameAsync(
                stream, Hello.Sender, Hello.EncodeConfirm(context.SelfName, Name, answer.Challenge), timeout.Token)
                .ConfigureAwait(false);
            return new OutboundSession(stream, [.. challenge, .. answer.Challenge]);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no welcome within {Options.HandshakeTimeout.TotalSeconds:0.###} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private HandshakeFrame CheckWelcome(FrameReadResult welcome, byte[] challenge)
    {
        if (welcome.Status == FrameStatus.EndOfStream)
        {
            throw new IOException("the peer closed the connection during the handshake "
                + "(is the cluster key the same on both nodes?)");
        }
        if (welcome.Status == FrameStatus.BadTag)
        {
            throw new IOException("the peer's welcome did not verify with the cluster key");
        }
        HandshakeFrame frame = Hello.DecodeWelcome(welcome.Payload)
            ?? throw new IOException("the peer's first frame was not a welcome");
        if (frame.From != Name)
        {
            throw new IOException($"the node listening there is '{frame.From}', not '{Name}'");
        }
        if (frame.To != context.SelfName || !frame.Answer.AsSpan().SequenceEqual(challenge))
        {
            context.CountReplay();
            throw new IOException($"{LinkContext.ReplayRefused}: the welcome from '{Name}' did not answer this connection's challenge "
                + "(a replayed handshake)");
        }
        return frame;
    }

    private async Task<string> PumpAsync(OutboundSession session, CancellationToken ct)
    {
        Stream stream = session.Stream;
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var failure = new FirstFailure(connection);
        Task watcher = WatchForCloseAsync(stream, failure, connection.Token);
        try
        {
            await WriteQueuedAsync(session, connection).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            failure.Set($"the peer accepted no data for {Options.WriteTimeout.TotalSeconds:0.###} s");
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            failure.Set(e.Describe());
        }
        finally
        {
            connection.Cancel();
            await stream.DisposeAsync().ConfigureAwait(false);
            await watcher.ConfigureAwait(false);
        }
        ct.ThrowIfCancellationRequested();
        return failure.Reason!;
    }

    // A frame leaves the queue only once written, so a frame whose write failed goes out on the next connection.
    private async Task WriteQueuedAsync(OutboundSession session, CancellationTokenSource connection)
    {
        while (await queue.Reader.WaitToReadAsync(connection.Token).ConfigureAwait(false))
        {
            while (queue.Reader.TryPeek(out byte[]? payload))
            {
                connection.CancelAfter(Options.WriteTimeout);
                byte[] frame = FrameEnvelope.Seal(context.SelfName, Name, session.Connection, ++session.Sequence, payload);
                await context.Codec.WriteFrameAsync(session.Stream, context.SelfName, frame, connection.Token)
                    .ConfigureAwait(false);
                connection.CancelAfter(Timeout.InfiniteTimeSpan);
                queue.Reader.TryRead(out _);
            }
        }
    }

    // The peer never writes on this connection, so a read completes only when it closes.
    private static async Task WatchForCloseAsync(Stream stream, FirstFailure failure, CancellationToken token)
    {
        byte[] buffer = new byte[1];
        try
        {
            int read = await stream.ReadAsync(buffer, token).ConfigureAwait(false);
            failure.Set(read == 0 ? "the peer closed the connection" : "the peer wrote on a send-only connection");
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            failure.Set(e.Describe());
        }
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.75 + (0.5 * Random.Shared.NextDouble()));
}

/// <summary>An open outbound connection: its stream, its id (both challenges) and the last sequence number sent.</summary>
internal sealed class OutboundSession(Stream stream, byte[] connection)
{
    public Stream Stream { get; } = stream;

    public byte[] Connection { get; } = connection;

    public ulong Sequence { get; set; }
}
