using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using static VolumeManager.Agent.Nbd.NbdProtocol;

namespace VolumeManager.Agent.Nbd;

/// <summary>What the handshake agreed: the export, and whether replies are structured.</summary>
internal sealed record NbdSession(INbdExport Export, bool Structured, ushort TransmissionFlags);

/// <summary>
/// The server's side of the fixed newstyle handshake: NBD_OPT_EXPORT_NAME, GO, INFO, LIST, STRUCTURED_REPLY and
/// ABORT; any other option is answered NBD_REP_ERR_UNSUP, and the client may go on. Null when the connection ends
/// without entering transmission (aborted, refused export by name, bad magic, unknown client flags).
/// </summary>
internal sealed class NbdHandshake(Socket socket, SocketReader reader, INbdExports exports, Action<string> log)
{
    private bool structured;
    private bool noZeroes;

    public NbdSession? Run()
    {
        var hello = new byte[18];
        BinaryPrimitives.WriteUInt64BigEndian(hello, InitMagic);
        BinaryPrimitives.WriteUInt64BigEndian(hello.AsSpan(8), OptionMagic);
        BinaryPrimitives.WriteUInt16BigEndian(hello.AsSpan(16), FlagFixedNewstyle | FlagNoZeroes);
        Send(hello);
        var clientFlags = reader.ReadUInt32();
        if ((clientFlags & ~(ClientFixedNewstyle | ClientNoZeroes)) != 0) return Refuse($"unknown client flags 0x{clientFlags:x}");
        noZeroes = (clientFlags & ClientNoZeroes) != 0;
        while (true)
        {
            if (reader.ReadUInt64() is var magic && magic != OptionMagic) return Refuse($"bad option magic 0x{magic:x}");
            var option = reader.ReadUInt32();
            var length = reader.ReadUInt32();
            if (length > MaxOptionLength) return Refuse($"option {option} carries {length} bytes, more than {MaxOptionLength}");
            var data = new byte[length];
            reader.ReadExactly(data);
            switch (option)
            {
                case OptExportName: return ExportName(data);
                case OptAbort: Reply(option, RepAck); return null;
                case OptList: List(option, data); break;
                case OptStartTls: Reply(option, RepErrPolicy, "TLS is not offered: the socket is owner-only."); break;
                case OptInfo: Info(option, data); break;
                case OptGo: if (Info(option, data) is { } session) return session; break;
                case OptStructuredReply:
                    if (length != 0) { Reply(option, RepErrInvalid, "NBD_OPT_STRUCTURED_REPLY carries no data."); break; }
                    structured = true;
                    Reply(option, RepAck);
                    break;
                case OptListMetaContext or OptSetMetaContext:
                    Reply(option, structured ? RepErrUnsup : RepErrInvalid, structured ? "no metadata contexts are served." : "structured replies were not negotiated.");
                    break;
                default: Reply(option, RepErrUnsup, $"option {option} is not supported."); break;
            }
        }
    }

    private NbdSession? Refuse(string why)
    {
        log($"nbd: handshake ended: {why}");
        return null;
    }

    /// <summary>NBD_OPT_EXPORT_NAME cannot be answered with an error: an unknown name ends the connection.</summary>
    private NbdSession? ExportName(byte[] data)
    {
        var name = Encoding.UTF8.GetString(data);
        if (exports.Open(name) is not { } export) return Refuse($"no export named '{name}'");
        var flags = Flags();
        var reply = new byte[noZeroes ? 10 : 134];
        BinaryPrimitives.WriteUInt64BigEndian(reply, (ulong)export.Size);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(8), flags);
        Send(reply);
        return new NbdSession(export, structured, flags);
    }

    private void List(uint option, byte[] data)
    {
        if (data.Length != 0) { Reply(option, RepErrInvalid, "NBD_OPT_LIST carries no data."); return; }
        foreach (var name in exports.Names())
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            var payload = new byte[4 + bytes.Length];
            BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)bytes.Length);
            bytes.CopyTo(payload, 4);
            Reply(option, RepServer, payload);
        }
        Reply(option, RepAck);
    }

    /// <summary>NBD_OPT_INFO and NBD_OPT_GO: the export's size, flags and block sizes (and name, description when asked); GO then enters transmission.</summary>
    private NbdSession? Info(uint option, byte[] data)
    {
        if (!TryParseInfo(data, out var name, out var requests)) { Reply(option, RepErrInvalid, "malformed NBD_OPT_INFO/GO data."); return null; }
        if (exports.Open(name) is not { } export) { Reply(option, RepErrUnknown, $"no export named '{name}' on this node (exports are <diskgroup>/<volume>)."); return null; }
        var flags = Flags();
        var info = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(info, InfoExport);
        BinaryPrimitives.WriteUInt64BigEndian(info.AsSpan(2), (ulong)export.Size);
        BinaryPrimitives.WriteUInt16BigEndian(info.AsSpan(10), flags);
        Reply(option, RepInfo, info);
        var sizes = new byte[14];
        BinaryPrimitives.WriteUInt16BigEndian(sizes, InfoBlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(sizes.AsSpan(2), (uint)export.MinimumBlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(sizes.AsSpan(6), PreferredBlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(sizes.AsSpan(10), MaxPayload);
        Reply(option, RepInfo, sizes);
        if (requests.Contains(InfoName)) Reply(option, RepInfo, InfoText(InfoName, export.Name));
        if (requests.Contains(InfoDescription)) Reply(option, RepInfo, InfoText(InfoDescription, export.Description));
        Reply(option, RepAck);
        return option == OptGo ? new NbdSession(export, structured, flags) : null;
    }

    private static bool TryParseInfo(byte[] data, out string name, out List<ushort> requests)
    {
        name = "";
        requests = [];
        if (data.Length < 6) return false;
        var nameLength = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (nameLength > data.Length - 6) return false;
        name = Encoding.UTF8.GetString(data, 4, (int)nameLength);
        var at = 4 + (int)nameLength;
        var count = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at));
        if (data.Length != at + 2 + 2 * count) return false;
        for (var i = 0; i < count; i++) requests.Add(BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at + 2 + 2 * i)));
        return true;
    }

    private static byte[] InfoText(ushort type, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var payload = new byte[2 + bytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, type);
        bytes.CopyTo(payload, 2);
        return payload;
    }

    private ushort Flags() => (ushort)(HasFlags | SendFlush | SendFua | SendTrim | SendWriteZeroes | CanMultiConn | (structured ? SendDf : 0));

    private void Reply(uint option, uint type, string message) => Reply(option, type, Encoding.UTF8.GetBytes(message));

    private void Reply(uint option, uint type, byte[]? payload = null)
    {
        payload ??= [];
        var reply = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt64BigEndian(reply, OptionReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(12), type);
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(16), (uint)payload.Length);
        payload.CopyTo(reply, 20);
        Send(reply);
    }

    private void Send(byte[] bytes)
    {
        var done = 0;
        while (done < bytes.Length) done += socket.Send(bytes.AsSpan(done), SocketFlags.None);
    }
}
