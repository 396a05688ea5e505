using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using VolumeManager.Agent.Storage;

namespace VolumeManager.Agent.Nbd;

/// <summary>
/// The replies of one connection. Each goes out whole; whichever finishing request finds no send under way sends
/// every reply queued meanwhile in one gathered write, so at a deep queue many replies share a system call and no
/// request waits on a lock to send its own. Once a send fails the connection is broken and later replies are dropped.
/// </summary>
internal sealed class ReplyQueue(Socket socket)
{
    private const int BatchLimit = 64;
    private readonly ConcurrentQueue<Reply> queue = new();
    private readonly byte[] headers = new byte[BatchLimit * NbdProtocol.SimpleReplyLength];
    private readonly List<ArraySegment<byte>> segments = new(BatchLimit);
    private readonly List<AlignedBuffer> sentBuffers = new(BatchLimit);
    private int sending;
    private volatile bool broken;

    /// <summary>A reply, laid out in <see cref="Bytes"/>, or a simple reply header when it is null.</summary>
    private readonly record struct Reply(ulong Cookie, uint Error, byte[]? Bytes, int Start, int Length, AlignedBuffer? Owner);

    public bool Broken => broken;

    /// <summary>A simple reply: its header only.</summary>
    public void Simple(ulong cookie, uint error) => Add(new Reply(cookie, error, null, 0, 0, null));

    /// <summary>A reply laid out in <paramref name="bytes"/>; <paramref name="owner"/> is returned to its pool once sent or dropped.</summary>
    public void Bytes(byte[] bytes, int start, int length, AlignedBuffer? owner = null) => Add(new Reply(0, 0, bytes, start, length, owner));

    public static void SimpleHeader(Span<byte> at, uint error, ulong cookie)
    {
        BinaryPrimitives.WriteUInt32BigEndian(at, NbdProtocol.SimpleReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(at[4..], error);
        BinaryPrimitives.WriteUInt64BigEndian(at[8..], cookie);
    }

    private void Add(Reply reply)
    {
        queue.Enqueue(reply);
        while (!queue.IsEmpty)   // looked at again after letting go: a reply queued just then is not left behind
        {
            if (Interlocked.CompareExchange(ref sending, 1, 0) != 0) return;   // the sender under way takes this one too
            try { while (TakeBatch()) SendBatch(); }
            finally { Volatile.Write(ref sending, 0); }
        }
    }

    /// <summary>Up to <see cref="BatchLimit"/> queued replies as segments; consecutive simple headers share one.</summary>
    private bool TakeBatch()
    {
        var used = 0;
        while (segments.Count < BatchLimit && used < headers.Length && queue.TryDequeue(out var reply))
        {
            if (reply.Bytes is { } bytes)
            {
                segments.Add(new ArraySegment<byte>(bytes, reply.Start, reply.Length));
                if (reply.Owner is { } owner) sentBuffers.Add(owner);
                continue;
            }
            SimpleHeader(headers.AsSpan(used), reply.Error, reply.Cookie);
            if (segments.Count > 0 && segments[^1].Array == headers && segments[^1].Offset + segments[^1].Count == used)
                segments[^1] = new ArraySegment<byte>(headers, segments[^1].Offset, segments[^1].Count + NbdProtocol.SimpleReplyLength);
            else segments.Add(new ArraySegment<byte>(headers, used, NbdProtocol.SimpleReplyLength));
            used += NbdProtocol.SimpleReplyLength;
        }
        return segments.Count > 0;
    }

    private void SendBatch()
    {
        try
        {
            if (!broken) socket.Send(segments, SocketFlags.None);   // a blocking send without a timeout sends every byte
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { broken = true; }
        finally
        {
            foreach (var buffer in sentBuffers) buffer.Return();
            sentBuffers.Clear();
            segments.Clear();
        }
    }
}
