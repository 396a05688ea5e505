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
            LinkSockets.Configure(socket, context.Options);
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            InboundSession? session = await AcceptHelloAsync(stream, socket.RemoteEndPoint, ct).ConfigureAwait(false);
            if (session is not null)
            {
                await ReceiveFromAsync(stream, session, ct).ConfigureAwait(false);
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

    private async Task<InboundSession?> AcceptHelloAsync(Stream stream, EndPoint? remote, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(context.Options.HandshakeTimeout);
        try
        {
            FrameReadResult hello = await context.HelloCodec.ReadFrameAsync(stream, Hello.Sender, timeout.Token)
                .ConfigureAwait(false);
            string? refusal = CheckHello(hello, out HandshakeFrame? greeting, out bool redirected);
            if (refusal is not null)
            {
                LogRefusal(remote, refusal, redirected);
                return null;
            }
            byte[] challenge = Hello.NewChallenge();
            await context.HelloCodec.WriteFrameAsync(
                stream, Hello.Sender, Hello.EncodeWelcome(context.SelfName, greeting!.From, greeting.Challenge, challenge),
                timeout.Token).ConfigureAwait(false);
            FrameReadResult confirm = await context.HelloCodec.ReadFrameAsync(stream, Hello.Sender, timeout.Token)
                .ConfigureAwait(false);
            refusal = CheckConfirm(confirm, greeting.From, challenge, out bool replayed);
            if (refusal is not null)
            {
                LogRefusal(remote, refusal, replayed);
                return null;
            }
            byte[] connection = [.. greeting.Challenge, .. challenge];
            return new InboundSession(greeting.From, new InboundSequence(greeting.From, context.SelfName, connection));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            LogRefusal(remote, $"no hello and confirm within {context.Options.HandshakeTimeout.TotalSeconds:0.###} s");
            return null;
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            LogRefusal(remote, e.Describe());
            return null;
        }
    }

    private void LogRefusal(EndPoint? remote, string why, bool replay = false)
    {
        if (replay)
        {
            context.CountReplay();
        }
        string host = (remote as IPEndPoint)?.Address.ToString() ?? "an unknown address";
        if (context.Refusals.TryPass($"{host} {why}", out int suppressed))
        {
            string since = suppressed == 0 ? "" : $" ({suppressed} more from there in the last minute)";
            string id = replay ? $"{LinkContext.ReplayRefused}: " : "";
            context.Log($"Interconnect: {id}refused a connection from {remote}: {why}{since}.");
        }
    }

    private string? CheckHello(FrameReadResult hello, out HandshakeFrame? greeting, out bool redirected)
    {
        greeting = null;
        redirected = false;
        if (hello.Status == FrameStatus.EndOfStream)
        {
            return "it closed before saying hello";
        }
        if (hello.Status == FrameStatus.BadTag)
        {
            return "its hello did not verify with the cluster key";
        }
        HandshakeFrame? frame = Hello.DecodeHello(hello.Payload);
        if (frame is null)
        {
            return "its first frame was not a hello";
        }
        if (frame.From == context.SelfName)
        {
            return $"it claims to be '{frame.From}', this node's own name";
        }
        if (frame.To != context.SelfName)
        {
            redirected = true;
            return $"its hello from '{frame.From}' is addressed to '{frame.To}', not to this node";
        }
        greeting = frame;
        return null;
    }

    private static string? CheckConfirm(FrameReadResult confirm, string peer, byte[] challenge, out bool replayed)
    {
        replayed = false;
        if (confirm.Status == FrameStatus.EndOfStream)
        {
            return $"'{peer}' closed before answering this node's challenge";
        }
        HandshakeFrame? frame = confirm.Status == FrameStatus.Valid ? Hello.DecodeConfirm(confirm.Payload) : null;
        if (frame is null || frame.From != peer)
        {
            return $"the hello from '{peer}' was not followed by its confirm";
        }
        if (!frame.Answer.AsSpan().SequenceEqual(challenge))
        {
            replayed = true;
            return $"the confirm from '{peer}' did not answer this connection's challenge (a replayed handshake)";
        }
        return null;
    }

    private async Task ReceiveFromAsync(Stream stream, InboundSession session, CancellationToken ct)
    {
        string peer = session.Peer;
        using InboundLink link = links.Open(peer, ct);
        context.Emit(new PeerConnected(peer, LinkDirection.Inbound));
        string? reason = await ReceiveAsync(stream, session, link.Token).ConfigureAwait(false);
        if (links.Close(link) && reason is not null)
        {
            context.Log($"Interconnect: lost the connection from '{peer}': {reason}.");
            context.Emit(new PeerDisconnected(peer, LinkDirection.Inbound, reason));
        }
    }

    /// <returns>Why the connection ended, or null when this side closed it.</returns>
    private async Task<string?> ReceiveAsync(Stream stream, InboundSession session, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                FrameReadResult frame = await context.Codec.ReadFrameAsync(stream, session.Peer, ct).ConfigureAwait(false);
                switch (frame.Status)
                {
                    case FrameStatus.EndOfStream:
                        return "the peer closed the connection";
                    case FrameStatus.BadTag:
                        LogDrop(session.Peer, frame.Length, new("tag", "its tag did not verify with the cluster key"));
                        break;
                    default:
                        Deliver(session, frame);
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

    private void Deliver(InboundSession session, FrameReadResult frame)
    {
        SealedFrame? sealedFrame = FrameEnvelope.Open(frame.Payload);
        FrameRefusal? refusal = sealedFrame is null
            ? new("header", "its header is malformed")
            : session.Sequence.Accept(sealedFrame);
        if (refusal is not null)
        {
            LogDrop(session.Peer, frame.Length, refusal);
            return;
        }
        context.Emit(new PeerMessage(session.Peer, sealedFrame!.Payload));
    }

    private void LogDrop(string peer, int length, FrameRefusal refusal)
    {
        bool replay = LinkContext.IsReplay(refusal);
        if (replay)
        {
            context.CountReplay();
        }
        if (context.Refusals.TryPass($"drop {peer} {refusal.Kind}", out int suppressed))
        {
            string since = suppressed == 0 ? "" : $" ({suppressed} more like it in the last minute)";
            string id = replay ? $"{LinkContext.ReplayRefused}: " : "";
            context.Log($"Interconnect: {id}dropped a {length}-byte frame from '{peer}': {refusal.Reason}{since}.");
        }
    }
}

internal sealed record InboundSession(string Peer, InboundSequence Sequence);
