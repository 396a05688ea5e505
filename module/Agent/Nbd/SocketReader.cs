using System.Buffers.Binary;
using System.Net.Sockets;

namespace VolumeManager.Agent.Nbd;

/// <summary>Buffered, blocking reads of whole fields from a socket; the end of the stream is an <see cref="EndOfStreamException"/>.</summary>
internal sealed class SocketReader(Socket socket)
{
    private readonly byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;

    /// <summary>Bytes received and not read yet: another request already waiting when it holds a whole header.</summary>
    public int Buffered => end - start;

    public void ReadExactly(Span<byte> into)
    {
        var buffered = Math.Min(end - start, into.Length);
        buffer.AsSpan(start, buffered).CopyTo(into);
        start += buffered;
        var done = buffered;
        if (done == into.Length) return;
        if (into.Length - done >= buffer.Length / 2)
        {
            while (done < into.Length) done += Receive(into[done..]);   // large payloads go straight into the caller's buffer
            return;
        }
        while (done < into.Length)
        {
            Fill();
            var n = Math.Min(end - start, into.Length - done);
            buffer.AsSpan(start, n).CopyTo(into[done..]);
            start += n;
            done += n;
        }
    }

    /// <summary>Reads and drops <paramref name="length"/> bytes (a payload the server refuses but must step over).</summary>
    public void Skip(long length)
    {
        Span<byte> sink = stackalloc byte[4096];
        while (length > 0)
        {
            var n = (int)Math.Min(sink.Length, length);
            ReadExactly(sink[..n]);
            length -= n;
        }
    }

    public ushort ReadUInt16() { Span<byte> b = stackalloc byte[2]; ReadExactly(b); return BinaryPrimitives.ReadUInt16BigEndian(b); }
    public uint ReadUInt32() { Span<byte> b = stackalloc byte[4]; ReadExactly(b); return BinaryPrimitives.ReadUInt32BigEndian(b); }
    public ulong ReadUInt64() { Span<byte> b = stackalloc byte[8]; ReadExactly(b); return BinaryPrimitives.ReadUInt64BigEndian(b); }

    private void Fill()
    {
        start = 0;
        end = Receive(buffer);
    }

    private int Receive(Span<byte> into)
    {
        var n = socket.Receive(into, SocketFlags.None);
        if (n == 0) throw new EndOfStreamException("the client closed the connection.");
        return n;
    }
}
