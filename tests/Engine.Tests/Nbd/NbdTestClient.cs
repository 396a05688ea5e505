using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using static VolumeManager.Agent.Nbd.NbdProtocol;

namespace VolumeManager.Engine.Tests.Nbd;

/// <summary>A raw NBD client for the protocol tests: it sends exactly the bytes a test asks for, right or wrong.</summary>
internal sealed class NbdTestClient : IDisposable
{
    private readonly Socket socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public NbdTestClient(string path)
    {
        socket.Connect(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = 10_000;
    }

    public sealed record OptionReply(uint Option, uint Type, byte[] Data);
    public sealed record Reply(uint Magic, uint Error, ulong Cookie, ushort Flags, ushort Type, byte[] Data);

    /// <summary>Reads the server's greeting and sends the client flags; returns the handshake flags.</summary>
    public ushort Greet(uint clientFlags = ClientFixedNewstyle | ClientNoZeroes)
    {
        var hello = Receive(18);
        Assert.Equal(InitMagic, BinaryPrimitives.ReadUInt64BigEndian(hello));
        Assert.Equal(OptionMagic, BinaryPrimitives.ReadUInt64BigEndian(hello.AsSpan(8)));
        Send(BigEndian(clientFlags));
        return BinaryPrimitives.ReadUInt16BigEndian(hello.AsSpan(16));
    }

    public void SendOption(uint option, byte[] data, ulong magic = OptionMagic)
    {
        var message = new byte[16 + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(message, magic);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(12), (uint)data.Length);
        data.CopyTo(message, 16);
        Send(message);
    }

    /// <summary>Option replies up to and including the final one (an ACK or an error).</summary>
    public List<OptionReply> Option(uint option, byte[] data)
    {
        SendOption(option, data);
        var replies = new List<OptionReply>();
        while (true)
        {
            var header = Receive(20);
            Assert.Equal(OptionReplyMagic, BinaryPrimitives.ReadUInt64BigEndian(header));
            var reply = new OptionReply(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)), BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12)),
                Receive((int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16))));
            replies.Add(reply);
            if (reply.Type != RepServer && reply.Type != RepInfo) return replies;
        }
    }

    public static byte[] InfoData(string name, params ushort[] requests)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        var data = new byte[4 + bytes.Length + 2 + 2 * requests.Length];
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)bytes.Length);
        bytes.CopyTo(data, 4);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(4 + bytes.Length), (ushort)requests.Length);
        for (var i = 0; i < requests.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(6 + bytes.Length + 2 * i), requests[i]);
        return data;
    }

    /// <summary>Greets, optionally negotiates structured replies, and enters transmission with NBD_OPT_GO.</summary>
    public List<OptionReply> Go(string name, bool structured = false)
    {
        Greet();
        if (structured) Assert.Equal(RepAck, Option(OptStructuredReply, []).Single().Type);
        var replies = Option(OptGo, InfoData(name));
        Assert.Equal(RepAck, replies[^1].Type);
        return replies;
    }

    public void Request(ushort type, ulong cookie, ulong offset, uint length, byte[]? payload = null, ushort flags = 0, uint magic = RequestMagic)
    {
        var message = new byte[RequestHeaderLength + (payload?.Length ?? 0)];
        BinaryPrimitives.WriteUInt32BigEndian(message, magic);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), type);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(8), cookie);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(16), offset);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(24), length);
        payload?.CopyTo(message, RequestHeaderLength);
        Send(message);
    }

    /// <summary>A simple reply (with <paramref name="dataLength"/> bytes of data when it succeeded) or one structured chunk.</summary>
    public Reply ReadReply(int dataLength = 0)
    {
        var magic = BinaryPrimitives.ReadUInt32BigEndian(Receive(4));
        if (magic == SimpleReplyMagic)
        {
            var rest = Receive(12);
            var error = BinaryPrimitives.ReadUInt32BigEndian(rest);
            return new Reply(magic, error, BinaryPrimitives.ReadUInt64BigEndian(rest.AsSpan(4)), 0, 0, error == 0 ? Receive(dataLength) : []);
        }
        Assert.Equal(StructuredReplyMagic, magic);
        var header = Receive(16);
        var data = Receive((int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12)));
        var type = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
        var chunkError = (type & 0x8000) != 0 ? BinaryPrimitives.ReadUInt32BigEndian(data) : 0;
        return new Reply(magic, chunkError, BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(4)), BinaryPrimitives.ReadUInt16BigEndian(header), type, data);
    }

    /// <summary>True once the server has closed the connection (reads the end of the stream).</summary>
    public bool Closed()
    {
        try { return socket.Receive(new byte[1]) == 0; }
        catch (SocketException) { return true; }
    }

    public void Send(byte[] bytes) => socket.Send(bytes);

    public byte[] Receive(int length)
    {
        var buffer = new byte[length];
        var done = 0;
        while (done < length)
        {
            var n = socket.Receive(buffer, done, length - done, SocketFlags.None);
            if (n == 0) throw new EndOfStreamException($"the server closed the connection after {done} of {length} bytes.");
            done += n;
        }
        return buffer;
    }

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public void Dispose() => socket.Dispose();
}
