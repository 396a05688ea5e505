using System.Net;
using System.Net.Sockets;

namespace VolumeManager.Transport;

/// <summary>
/// A connection a peer opened to this node: its hello is checked, a welcome is returned, then every
/// frame is verified and delivered in order until the connection ends.
/// </summary>
internal sealed class InboundConnection(Socket socket, LinkContext context, InboundLinks links)
{
    public async Task ServeAsync(CancellationToken ct)
    {
        try
        {
            socket.NoDelay = true;
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            string? peer = await AcceptHelloAsync(stream, socket.RemoteEndPoint, ct).ConfigureAwait(false);
            if (peer is not null)
            {
                await ReceiveFromAsync(stream, peer, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            context.Log($"Interconnect: an inbound connection failed unexpectedly: {e}");
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task<string?> AcceptHelloAsync(Stream stream, EndPoint? remote, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(context.Options.HandshakeTimeout);
        try
        {
            FrameReadResult hello = await context.HelloCodec.ReadFrameAsync(stream, Hello.Sender, timeout.Token)
                .ConfigureAwait(false);
            string? refusal = CheckHello(hello, out string peer);
            if (refusal is not null)
            {
                LogRefusal(remote, refusal);
                return null;
            }
            await context.HelloCodec.WriteFrameAsync(
                stream, Hello.Sender, Hello.EncodeWelcome(context.SelfName), timeout.Token).ConfigureAwait(false);
            return peer;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            LogRefusal(remote, $"no hello within {context.Options.HandshakeTimeout.TotalSeconds:0.###} s");
            return null;
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            LogRefusal(remote, e.Describe());
            return null;
        }
    }

    private void LogRefusal(EndPoint? remote, string why)
    {
        string host = (remote as IPEndPoint)?.Address.ToString() ?? "an unknown address";
        if (context.Refusals.TryPass($"{host} {why}", out int suppressed))
        {
            string since = suppressed == 0 ? "" : $" ({suppressed} more from there in the last minute)";
            context.Log($"Interconnect: refused a connection from {remote}: {why}{since}.");
        }
    }

    private string? CheckHello(FrameReadResult hello, out string peer)
    {
        peer = "";
        if (hello.Status == FrameStatus.EndOfStream)
        {
            return "it closed before saying hello";
        }
        if (hello.Status == FrameStatus.BadTag)
        {
            return "its hello did not verify with the cluster key";
        }
        string? name = Hello.DecodeHello(hello.Payload);
        if (name is null)
        {
            return "its first frame was not a hello";
        }
        if (name == context.SelfName)
        {
            return $"it claims to be '{name}', this node's own name";
        }
        peer = name;
        return null;
    }

    private async Task ReceiveFromAsync(Stream stream, string peer, CancellationToken ct)
    {
        using InboundLink link = links.Open(peer, ct);
        context.Emit(new PeerConnected(peer, LinkDirection.Inbound));
        string? reason = await ReceiveAsync(stream, peer, link.Token).ConfigureAwait(false);
        if (links.Close(link) && reason is not null)
        {
            context.Log($"Interconnect: lost the connection from '{peer}': {reason}.");
            context.Emit(new PeerDisconnected(peer, LinkDirection.Inbound, reason));
        }
    }

    /// <returns>Why the connection ended, or null when this side closed it.</returns>
    private async Task<string?> ReceiveAsync(Stream stream, string peer, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                FrameReadResult frame = await context.Codec.ReadFrameAsync(stream, peer, ct).ConfigureAwait(false);
                switch (frame.Status)
                {
                    case FrameStatus.EndOfStream:
                        return "the peer closed the connection";
                    case FrameStatus.BadTag:
                        context.Log($"Interconnect: dropped a {frame.Length}-byte frame from '{peer}': "
                            + "its tag did not verify with the cluster key.");
                        break;
                    default:
                        context.Emit(new PeerMessage(peer, frame.Payload));
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            return ct.IsCancellationRequested ? null : e.Describe();
        }
    }
}
