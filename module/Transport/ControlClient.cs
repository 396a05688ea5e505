using System.Collections.Concurrent;
using System.Net.Sockets;

namespace VolumeManager.Transport;

/// <summary>
/// Talks to the local agent's control socket. Safe for concurrent use: each request takes a pooled
/// connection (up to <c>maxConnections</c> at once) and waits for its reply before the connection is reused.
/// </summary>
public sealed class ControlClient : IDisposable
{
    private readonly byte[] nodeToken;
    private readonly FrameCodec codec;
    private readonly ConcurrentBag<ControlConnection> idle = [];
    private readonly SemaphoreSlim slots;
    private int disposed;

    public ControlClient(
        string socketPath, byte[] nodeToken, int maxConnections = 4,
        int maxPayloadLength = FrameCodec.DefaultMaxPayloadLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(nodeToken);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        SocketPath = Path.GetFullPath(socketPath);
        this.nodeToken = (byte[])nodeToken.Clone();
        codec = new FrameCodec(NoFrameAuthenticator.Instance, maxPayloadLength);
        slots = new SemaphoreSlim(maxConnections, maxConnections);
    }

    public string SocketPath { get; }

    /// <exception cref="AgentUnreachableException">No agent listens, or it went away before answering.</exception>
    /// <exception cref="AgentAccessDeniedException">The agent refused the node token.</exception>
    /// <exception cref="AgentRequestFailedException">The agent's handler failed.</exception>
    /// <exception cref="TimeoutException">No answer within <paramref name="timeout"/>.</exception>
    public async Task<byte[]> RequestAsync(
        byte[] request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Length > codec.MaxPayloadLength)
        {
            throw new ArgumentException(
                $"The request is {request.Length} bytes; requests are limited to {codec.MaxPayloadLength}.",
                nameof(request));
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await slots.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                return await ExchangeAsync(request, deadline.Token).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The volume manager agent on control socket '{SocketPath}' "
                + $"did not answer within {timeout.TotalSeconds:0.###} s.");
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            DisposeIdle();
        }
    }

    private async Task<byte[]> ExchangeAsync(byte[] request, CancellationToken ct)
    {
        ControlConnection connection = await SendOnAnyAsync(request, ct).ConfigureAwait(false);
        byte[] reply;
        try
        {
            reply = await connection.ReadReplyAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            connection.Dispose();
            throw new AgentUnreachableException(SocketPath, $"the agent went away before answering ({e.Describe()})", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        Return(connection);
        return Interpret(reply);
    }

    // A pooled connection whose agent has restarted since fails on write; the request then goes on a new one.
    private async Task<ControlConnection> SendOnAnyAsync(byte[] request, CancellationToken ct)
    {
        while (TakeIdle() is { } pooled)
        {
            if (await TrySendAsync(pooled, request, ct).ConfigureAwait(false))
            {
                return pooled;
            }
        }
        ControlConnection fresh = await ControlConnection.OpenAsync(SocketPath, nodeToken, codec, ct)
            .ConfigureAwait(false);
        return await TrySendAsync(fresh, request, ct).ConfigureAwait(false)
            ? fresh
            : throw new AgentUnreachableException(SocketPath, "the agent closed the connection before the request was sent");
    }

    private static async Task<bool> TrySendAsync(ControlConnection connection, byte[] request, CancellationToken ct)
    {
        try
        {
            await connection.SendAsync(request, ct).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            connection.Dispose();
            return false;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private ControlConnection? TakeIdle()
    {
        while (idle.TryTake(out ControlConnection? connection))
        {
            if (connection.IsOpen)
            {
                return connection;
            }
            connection.Dispose();
        }
        return null;
    }

    private void Return(ControlConnection connection)
    {
        idle.Add(connection);
        if (Volatile.Read(ref disposed) != 0)
        {
            DisposeIdle();
        }
    }

    private void DisposeIdle()
    {
        while (idle.TryTake(out ControlConnection? connection))
        {
            connection.Dispose();
        }
    }

    private byte[] Interpret(byte[] reply) => ControlFrames.StatusOf(reply) switch
    {
        ControlStatus.Ok => ControlFrames.Body(reply),
        ControlStatus.Failed => throw new AgentRequestFailedException(SocketPath, ControlFrames.Message(reply)),
        _ => throw new InvalidDataException($"The agent answered with status {reply[0]}."),
    };
}
