using System.Net.Sockets;
using System.Security.Cryptography;

namespace VolumeManager.Transport;

/// <summary>
/// The agent's control socket: a Unix domain socket only the owner may open. Each connection presents
/// the node token, then sends requests one after another; connections are served concurrently.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly byte[] nodeToken;
    private readonly Func<byte[], CancellationToken, Task<byte[]>> handler;
    private readonly Action<string> log;
    private readonly FrameCodec codec;
    private readonly FrameCodec tokenCodec = new(NoFrameAuthenticator.Instance, ControlFrames.MaxTokenFrameLength);
    private readonly TaskSet serving = new();
    private readonly CancellationTokenSource stopping = new();
    private Socket? listener;
    private Task acceptLoop = Task.CompletedTask;
    private int disposed;

    public ControlServer(
        string socketPath,
        byte[] nodeToken,
        Func<byte[], CancellationToken, Task<byte[]>> handler,
        Action<string> log,
        int maxPayloadLength = FrameCodec.DefaultMaxPayloadLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(nodeToken);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(log);
        SocketPath = Path.GetFullPath(socketPath);
        this.nodeToken = (byte[])nodeToken.Clone();
        this.handler = handler;
        this.log = log;
        codec = new FrameCodec(NoFrameAuthenticator.Instance, maxPayloadLength);
    }

    public string SocketPath { get; }

    /// <exception cref="IOException">Another process already listens on the socket.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (listener is not null)
        {
            throw new InvalidOperationException("The control server is already started.");
        }
        SecretFile.EnsureOwnerOnlyDirectory(Path.GetDirectoryName(SocketPath)!);
        await RemoveStaleSocketAsync(cancellationToken).ConfigureAwait(false);
        listener = BindOwnerOnly();
        acceptLoop = AcceptLoopAsync(listener, stopping.Token);
        log($"Control: listening on '{SocketPath}'.");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        stopping.Cancel();
        listener?.Dispose();
        await acceptLoop.ConfigureAwait(false);
        await serving.WhenAll().ConfigureAwait(false);
        if (listener is not null)
        {
            File.Delete(SocketPath);
        }
        stopping.Dispose();
    }

    private async Task RemoveStaleSocketAsync(CancellationToken ct)
    {
        if (!File.Exists(SocketPath))
        {
            return;
        }
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), ct).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            log($"Control: removing the stale socket file '{SocketPath}'.");
            File.Delete(SocketPath);
            return;
        }
        throw new IOException($"Another process is already listening on control socket '{SocketPath}'.");
    }

    // Permissions are set before listen(), so no client can connect while the socket is still open to others.
    private Socket BindOwnerOnly()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(SocketPath));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            socket.Listen(64);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync(Socket server, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await server.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                log($"Control: accepting a connection failed: {e.Describe()}.");
                continue;
            }
            serving.Add(ServeAsync(client, ct));
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: true);
            if (await AuthenticateAsync(stream, ct).ConfigureAwait(false))
            {
                await AnswerRequestsAsync(stream, ct).ConfigureAwait(false);
            }
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException)
        {
            log($"Control: closed a client that presented no token within {HandshakeTimeout.TotalSeconds:0} s.");
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            log($"Control: a client connection ended: {e.Describe()}.");
        }
        catch (Exception e)
        {
            log($"Control: a client connection failed unexpectedly: {e}");
        }
    }

    private async Task<bool> AuthenticateAsync(Stream stream, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(HandshakeTimeout);
        FrameReadResult token = await tokenCodec.ReadFrameAsync(stream, ControlFrames.Sender, timeout.Token)
            .ConfigureAwait(false);
        if (token.Status == FrameStatus.EndOfStream)
        {
            return false;
        }
        if (!CryptographicOperations.FixedTimeEquals(token.Payload, nodeToken))
        {
            log("Control: refused a client that presented a wrong node token.");
            byte[] refusal = ControlFrames.Error(
                ControlStatus.Refused,
                "the node token presented does not match this agent's node token. "
                + "Read the token from the agent's state directory on this node.");
            await tokenCodec.WriteFrameAsync(stream, ControlFrames.Sender, refusal, timeout.Token).ConfigureAwait(false);
            return false;
        }
        await tokenCodec.WriteFrameAsync(stream, ControlFrames.Sender, ControlFrames.Ok([]), timeout.Token)
            .ConfigureAwait(false);
        return true;
    }

    private async Task AnswerRequestsAsync(Stream stream, CancellationToken ct)
    {
        while (true)
        {
            FrameReadResult request = await codec.ReadFrameAsync(stream, ControlFrames.Sender, ct).ConfigureAwait(false);
            if (request.Status == FrameStatus.EndOfStream)
            {
                return;
            }
            byte[] reply = await HandleAsync(request.Payload, ct).ConfigureAwait(false);
            await codec.WriteFrameAsync(stream, ControlFrames.Sender, reply, ct).ConfigureAwait(false);
        }
    }

    private async Task<byte[]> HandleAsync(byte[] request, CancellationToken ct)
    {
        try
        {
            byte[] response = await handler(request, ct).ConfigureAwait(false);
            if (response.Length >= codec.MaxPayloadLength)
            {
                throw new InvalidOperationException(
                    $"The response is {response.Length} bytes; replies are limited to {codec.MaxPayloadLength - 1}.");
            }
            return ControlFrames.Ok(response);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log($"Control: a request failed: {e}");
            return ControlFrames.Error(ControlStatus.Failed, e.Message);
        }
    }
}
