using System.Net;
using System.Net.Sockets;
using VolumeManager.Transport;

namespace VolumeManager.Engine.Tests.Transport;

/// <summary>
/// A hand-driven dialler that holds the cluster key: it shakes hands as any name it likes and then
/// writes frames with whatever sender, recipient, connection and sequence number a test chooses.
/// </summary>
internal sealed class RawPeer : IDisposable
{
    private readonly TcpClient client = new();
    private readonly FrameCodec codec;

    private RawPeer(byte[] key) => codec = new FrameCodec(new HmacFrameAuthenticator(key));

    public NetworkStream Stream => client.GetStream();

    public byte[] Connection { get; private set; } = [];

    public string Name { get; private set; } = "";

    public string Peer { get; private set; } = "";

    public static async Task<RawPeer> ConnectAsync(IPEndPoint target, byte[] key, string name, string peer)
    {
        var raw = new RawPeer(key) { Name = name, Peer = peer };
        await raw.client.ConnectAsync(target);
        byte[] challenge = Hello.NewChallenge();
        await raw.codec.WriteFrameAsync(raw.Stream, Hello.Sender, Hello.EncodeHello(name, peer, challenge), default);
        FrameReadResult welcome = await raw.codec.ReadFrameAsync(raw.Stream, Hello.Sender, default);
        HandshakeFrame answer = Hello.DecodeWelcome(welcome.Payload)!;
        await raw.codec.WriteFrameAsync(
            raw.Stream, Hello.Sender, Hello.EncodeConfirm(name, peer, answer.Challenge), default);
        raw.Connection = [.. challenge, .. answer.Challenge];
        return raw;
    }

    public Task SendAsync(ulong sequence, byte[] payload, string? to = null, byte[]? connection = null) =>
        codec.WriteFrameAsync(
            Stream, Name, FrameEnvelope.Seal(Name, to ?? Peer, connection ?? Connection, sequence, payload), default);

    public Task WriteRawAsync(byte[] frame) => Stream.WriteAsync(frame).AsTask();

    public void Dispose() => client.Dispose();
}
