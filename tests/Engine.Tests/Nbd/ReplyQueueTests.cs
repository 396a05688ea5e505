using System.Buffers.Binary;
using System.Net.Sockets;
using VolumeManager.Agent.Nbd;
using VolumeManager.Agent.Storage;

namespace VolumeManager.Engine.Tests.Nbd;

public sealed class ReplyQueueTests
{
    private const int Threads = 8;
    private const int PerThread = 200;
    private const int DataLength = 20_000;

    [Fact]
    public async Task Replies_from_many_threads_arrive_whole_and_once_through_a_small_send_buffer()
    {
        var (server, client) = SocketPair();
        using var _ = server;
        using var __ = client;
        server.SendBufferSize = 4096;   // batches far larger than the socket takes at once
        // A reply left behind fails the test instead of hanging it. Generous: the senders are thread-pool tasks, and
        // the whole suite's parallel tests once kept them from running for more than 10 s.
        client.ReceiveTimeout = 60_000;
        var replies = new ReplyQueue(server);
        var senders = Enumerable.Range(0, Threads).Select(t => Task.Run(() => SendMany(replies, t))).ToArray();

        var seen = await Task.Run(() => ReadAll(client, Threads * PerThread));
        await Task.WhenAll(senders);

        Assert.Equal(Threads * PerThread, seen.Count);
        Assert.False(replies.Broken);
    }

    [Fact]
    public void A_reply_to_a_closed_peer_breaks_the_queue_and_later_replies_are_dropped()
    {
        var (server, client) = SocketPair();
        using var _ = server;
        client.Dispose();
        var replies = new ReplyQueue(server);
        for (var i = 0; i < 100 && !replies.Broken; i++) replies.Bytes(new byte[64 * 1024], 0, 64 * 1024);

        Assert.True(replies.Broken);
        replies.Simple(1, 0);   // dropped, no exception
    }

    /// <summary>Even cookies are simple replies, odd ones carry data whose every byte is the cookie's low byte.</summary>
    private static void SendMany(ReplyQueue replies, int thread)
    {
        for (var i = 0; i < PerThread; i++)
        {
            var cookie = (ulong)(thread * PerThread + i);
            if (cookie % 2 == 0) { replies.Simple(cookie, 0); continue; }
            var buffer = AlignedBuffer.Rent(DataLength);
            var at = buffer.Start - NbdProtocol.SimpleReplyLength;
            ReplyQueue.SimpleHeader(buffer.Array.AsSpan(at), 0, cookie);
            buffer.Span(DataLength).Fill((byte)cookie);
            replies.Bytes(buffer.Array, at, NbdProtocol.SimpleReplyLength + DataLength, buffer);
        }
    }

    private static HashSet<ulong> ReadAll(Socket client, int count)
    {
        var seen = new HashSet<ulong>();
        var header = new byte[NbdProtocol.SimpleReplyLength];
        var data = new byte[DataLength];
        while (seen.Count < count)
        {
            ReceiveExactly(client, header);
            Assert.Equal(NbdProtocol.SimpleReplyMagic, BinaryPrimitives.ReadUInt32BigEndian(header));
            var cookie = BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
            Assert.True(seen.Add(cookie), $"cookie {cookie} answered twice");
            if (cookie % 2 == 0) continue;
            ReceiveExactly(client, data);
            Assert.True(data.AsSpan().IndexOfAnyExcept((byte)cookie) < 0, $"the data of cookie {cookie} arrived torn");
        }
        return seen;
    }

    private static void ReceiveExactly(Socket socket, byte[] into)
    {
        for (var done = 0; done < into.Length;)
        {
            var n = socket.Receive(into.AsSpan(done));
            Assert.NotEqual(0, n);
            done += n;
        }
    }

    private static (Socket Server, Socket Client) SocketPair()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rq-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        var server = listener.Accept();
        File.Delete(path);
        return (server, client);
    }
}
