using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using VolumeManager.Agent.Storage;
using static VolumeManager.Agent.Nbd.NbdProtocol;

namespace VolumeManager.Agent.Nbd;

/// <summary>
/// The transmission phase of one connection. A dedicated thread reads requests; each runs on the thread pool, so
/// requests on one connection run concurrently and are answered out of order as they finish (<see cref="ReplyQueue"/>).
/// A refused request gets the protocol's error and the connection goes on; bad magic or a client gone mid-request
/// ends this connection only. The socket closes once every request in flight has been answered.
/// </summary>
internal sealed class NbdConnection
{
    private readonly Socket socket;
    private readonly SocketReader reader;
    private readonly NbdSession session;
    private readonly Action<string> log;
    private readonly CancellationToken ct;
    private readonly ReplyQueue replies;
    private int references = 1;   // the reader's own, plus one per request in flight

    public NbdConnection(Socket socket, SocketReader reader, NbdSession session, Action<string> log, CancellationToken ct)
    {
        this.socket = socket;
        this.reader = reader;
        this.session = session;
        this.log = log;
        this.ct = ct;
        replies = new ReplyQueue(socket);
    }

    private const uint InlineWriteLimit = 64 * 1024;

    private INbdExport Export => session.Export;

    public void Run()
    {
        try { ReadRequests(); }
        catch (EndOfStreamException) { }   // the client went away, maybe mid-request: what is in flight still completes
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException) { }
        finally { Release(); }
    }

    private void ReadRequests()
    {
        Span<byte> header = stackalloc byte[RequestHeaderLength];
        while (!replies.Broken)
        {
            reader.ReadExactly(header);
            if (BinaryPrimitives.ReadUInt32BigEndian(header) is var magic && magic != RequestMagic)
            {
                log($"nbd: {Export.Name}: bad request magic 0x{magic:x8}; closing the connection");
                return;
            }
            var request = new NbdRequest(this,
                BinaryPrimitives.ReadUInt16BigEndian(header[4..]), BinaryPrimitives.ReadUInt16BigEndian(header[6..]),
                BinaryPrimitives.ReadUInt64BigEndian(header[8..]), BinaryPrimitives.ReadUInt64BigEndian(header[16..]),
                BinaryPrimitives.ReadUInt32BigEndian(header[24..]));
            if (request.Type == CmdDisc) return;
            if (request.Type == CmdWrite && !ReadPayload(request)) continue;
            if (Refusal(request) is { } refusal)
            {
                request.Buffer?.Return();
                SendError(request, refusal.Error, refusal.Message);
                continue;
            }
            Interlocked.Increment(ref references);
            if (RunsInline(request)) ExecuteAsync(request).GetAwaiter().GetResult();
            else ThreadPool.UnsafeQueueUserWorkItem(static r => _ = r.Connection.ExecuteAsync(r), request, preferLocal: false);
        }
    }

    /// <summary>
    /// On an image file (page cache) a read or a small write costs less than handing it to another thread, so it runs
    /// on the reader's thread when no other request is waiting; when more requests are already here they run
    /// concurrently on the pool, as does anything that may wait for a device (block devices, FUA, large writes).
    /// </summary>
    private bool RunsInline(NbdRequest r) => Export.MinimumBlockSize == 1 && (r.Flags & CmdFlagFua) == 0
        && reader.Buffered < RequestHeaderLength
        && (r.Type == CmdRead || r.Type == CmdWrite && r.Length <= InlineWriteLimit);

    /// <summary>A write's payload, read before anything else so the stream stays in step; an oversized one is read past and refused.</summary>
    private bool ReadPayload(NbdRequest request)
    {
        if (request.Length > MaxPayload)
        {
            reader.Skip(request.Length);
            SendError(request, EINVAL, $"a write of {request.Length} bytes is more than the {MaxPayload} bytes announced as the maximum.");
            return false;
        }
        request.Buffer = AlignedBuffer.Rent((int)request.Length);
        try { reader.ReadExactly(request.Buffer.Span((int)request.Length)); }
        catch
        {
            request.Buffer.Return();
            throw;
        }
        return true;
    }

    private (uint Error, string Message)? Refusal(NbdRequest r)
    {
        var allowed = r.Type switch
        {
            CmdRead => CmdFlagFua | (session.Structured ? CmdFlagDf : 0),
            CmdWrite or CmdTrim or CmdFlush => CmdFlagFua,
            CmdWriteZeroes => CmdFlagFua | CmdFlagNoHole,
            _ => -1,
        };
        if (allowed < 0) return (EINVAL, $"command {r.Type} is not supported.");
        if ((r.Flags & ~allowed) != 0) return (EINVAL, $"flags 0x{r.Flags:x} are not valid for command {r.Type}.");
        if (r.Type == CmdFlush) return null;
        if (r.Length == 0) return (EINVAL, "a request of length 0.");
        if (r.Type == CmdRead && r.Length > MaxPayload) return (EINVAL, $"a read of {r.Length} bytes is more than the {MaxPayload} bytes announced as the maximum.");
        if (r.Offset > (ulong)Export.Size || r.Length > (ulong)Export.Size - r.Offset)
            return (r.Type is CmdWrite or CmdWriteZeroes ? ENOSPC : EINVAL,
                $"bytes {r.Offset}..{r.Offset + r.Length} run past the end of export '{Export.Name}' ({Export.Size} bytes; a volume grown since this connection opened shows its new size on the next connection).");
        return null;
    }

    private async Task ExecuteAsync(NbdRequest r)
    {
        var offset = (long)r.Offset;
        var length = (int)Math.Min(r.Length, int.MaxValue);
        var fua = (r.Flags & CmdFlagFua) != 0;
        try
        {
            switch (r.Type)
            {
                case CmdRead:
                    r.Buffer = AlignedBuffer.Rent(length);
                    await Export.ReadAsync(offset, r.Buffer.Memory(length), ct);
                    SendData(r, r.Buffer, length);
                    r.Buffer = null;   // the reply owns it now
                    return;
                case CmdWrite: await Export.WriteAsync(offset, r.Buffer!.Memory(length), fua, ct); break;
                case CmdFlush: await Export.FlushAsync(ct); break;
                case CmdTrim: await Export.TrimAsync(offset, r.Length, fua, ct); break;
                case CmdWriteZeroes: await Export.WriteZeroesAsync(offset, r.Length, fua, ct); break;
            }
            replies.Simple(r.Cookie, 0);
        }
        catch (NbdException e) { SendError(r, e.Error, e.Message); }
        catch (OperationCanceledException) { SendError(r, ESHUTDOWN, "the agent is stopping."); }
        catch (Exception e)
        {
            log($"nbd: {Export.Name}: command {r.Type} at {r.Offset} failed: {e.Message}");
            SendError(r, EIO, e.Message);
        }
        finally
        {
            r.Buffer?.Return();
            Release();
        }
    }

    /// <summary>A read's reply goes out from its buffer, header in front; the buffer returns to its pool once sent.</summary>
    private void SendData(NbdRequest r, AlignedBuffer buffer, int length)
    {
        var array = buffer.Array;
        if (session.Structured)
        {
            var at = buffer.Start - StructuredHeaderLength - 8;
            StructuredHeader(array.AsSpan(at), ReplyFlagDone, ReplyTypeOffsetData, r.Cookie, (uint)(8 + length));
            BinaryPrimitives.WriteUInt64BigEndian(array.AsSpan(at + StructuredHeaderLength), r.Offset);
            replies.Bytes(array, at, StructuredHeaderLength + 8 + length, buffer);
        }
        else
        {
            var at = buffer.Start - SimpleReplyLength;
            ReplyQueue.SimpleHeader(array.AsSpan(at), 0, r.Cookie);
            replies.Bytes(array, at, SimpleReplyLength + length, buffer);
        }
    }

    /// <summary>An error: a structured error chunk with its message when structured replies were negotiated, else a simple reply without payload.</summary>
    private void SendError(NbdRequest r, uint error, string message)
    {
        if (!session.Structured)
        {
            replies.Simple(r.Cookie, error);
            return;
        }
        var text = Encoding.UTF8.GetBytes(message.Length > 1000 ? message[..1000] : message);
        var chunk = new byte[StructuredHeaderLength + 6 + text.Length];
        StructuredHeader(chunk, ReplyFlagDone, ReplyTypeError, r.Cookie, (uint)(6 + text.Length));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(StructuredHeaderLength), error);
        BinaryPrimitives.WriteUInt16BigEndian(chunk.AsSpan(StructuredHeaderLength + 4), (ushort)text.Length);
        text.CopyTo(chunk, StructuredHeaderLength + 6);
        replies.Bytes(chunk, 0, chunk.Length);
    }

    private static void StructuredHeader(Span<byte> at, ushort flags, ushort type, ulong cookie, uint length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(at, StructuredReplyMagic);
        BinaryPrimitives.WriteUInt16BigEndian(at[4..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(at[6..], type);
        BinaryPrimitives.WriteUInt64BigEndian(at[8..], cookie);
        BinaryPrimitives.WriteUInt32BigEndian(at[16..], length);
    }

    /// <summary>The last of the reader and the requests in flight closes the socket.</summary>
    private void Release()
    {
        if (Interlocked.Decrement(ref references) != 0) return;
        try { socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        socket.Dispose();
    }
}

/// <summary>One request as read from the wire; <see cref="Buffer"/> holds a write's payload or a read's data.</summary>
internal sealed class NbdRequest(NbdConnection connection, ushort flags, ushort type, ulong cookie, ulong offset, uint length)
{
    public NbdConnection Connection { get; } = connection;
    public ushort Flags { get; } = flags;
    public ushort Type { get; } = type;
    public ulong Cookie { get; } = cookie;
    public ulong Offset { get; } = offset;
    public uint Length { get; } = length;
    public AlignedBuffer? Buffer { get; set; }
}
