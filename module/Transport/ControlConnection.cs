using System.Net.Sockets;

namespace VolumeManager.Transport;

/// <summary>One client connection to the control socket, past the token handshake.</summary>
internal sealed class ControlConnection : IDisposable
{
    private readonly Socket socket;
    private readonly NetworkStream stream;
    private readonly FrameCodec codec;

    private ControlConnection(Socket socket, FrameCodec codec)
    {
        this.socket = socket;
        this.codec = codec;
        stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>False when the agent closed the connection (or wrote out of turn) while it sat idle.</summary>
    public bool IsOpen => !socket.Poll(0, SelectMode.SelectRead);

    public static async Task<ControlConnection> OpenAsync(
        string socketPath, byte[] nodeToken, FrameCodec codec, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            string reason = File.Exists(socketPath) ? e.Describe() : "the socket file does not exist";
            throw new AgentUnreachableException(socketPath, reason, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new ControlConnection(socket, codec);
        try
        {
            await connection.PresentTokenAsync(socketPath, nodeToken, ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public Task SendAsync(byte[] request, CancellationToken ct) =>
        codec.WriteFrameAsync(stream, ControlFrames.Sender, request, ct);

    /// <exception cref="EndOfStreamException">The agent closed the connection before answering.</exception>
    public async Task<byte[]> ReadReplyAsync(CancellationToken ct)
    {
        FrameReadResult reply = await codec.ReadFrameAsync(stream, ControlFrames.Sender, ct).ConfigureAwait(false);
        return reply.Status == FrameStatus.EndOfStream
            ? throw new EndOfStreamException("the agent closed the connection before answering")
            : reply.Payload;
    }

    public void Dispose() => stream.Dispose();

    private async Task PresentTokenAsync(string socketPath, byte[] nodeToken, CancellationToken ct)
    {
        byte[] reply;
        try
        {
            await SendAsync(nodeToken, ct).ConfigureAwait(false);
            reply = await ReadReplyAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new AgentUnreachableException(
                socketPath, $"the agent closed the connection during the handshake ({e.Describe()})", e);
        }
        switch (ControlFrames.StatusOf(reply))
        {
            case ControlStatus.Ok:
                return;
            case ControlStatus.Refused:
                throw new AgentAccessDeniedException(socketPath, ControlFrames.Message(reply));
            default:
                throw new InvalidDataException($"The agent answered the node token with status {reply[0]}.");
        }
    }
}
