using System.Buffers.Binary;
using System.Text;
using VolumeManager.Agent.Nbd;
using VolumeManager.Engine.Tests.Transport;
using static VolumeManager.Agent.Nbd.NbdProtocol;

namespace VolumeManager.Engine.Tests.Nbd;

/// <summary>The NBD server over a Unix socket, driven byte by byte: the handshake, transmission, and every refusal.</summary>
public sealed class NbdServerTests : IDisposable
{
    private const int Size = 1024 * 1024;
    private readonly TempDirectory temp = new();
    private readonly MemoryExport export = new("dg01/v1", Size);
    private readonly MemoryExport device = new("dg01/dev", Size, minimumBlockSize: 512);
    private readonly List<string> log = [];
    private readonly NbdServer server;

    public NbdServerTests()
    {
        server = new NbdServer(temp.File("nbd.sock"), new MemoryExports(export, device), line => { lock (log) log.Add(line); });
        server.Start();
    }

    public void Dispose()
    {
        export.Release();
        device.Release();
        server.Dispose();
        temp.Dispose();
    }

    private NbdTestClient Connect() => new(server.SocketPath);

    [Fact]
    public void The_socket_is_owner_only()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(server.SocketPath));
    }

    [Fact]
    public void Go_announces_size_flags_and_block_sizes_then_serves_writes_and_reads()
    {
        using var client = Connect();
        Assert.Equal(FlagFixedNewstyle | FlagNoZeroes, client.Greet());
        var replies = client.Option(OptGo, NbdTestClient.InfoData("dg01/v1", InfoName, InfoDescription));
        var infos = replies.Where(r => r.Type == RepInfo).ToDictionary(r => BinaryPrimitives.ReadUInt16BigEndian(r.Data));
        Assert.Equal((ulong)Size, BinaryPrimitives.ReadUInt64BigEndian(infos[InfoExport].Data.AsSpan(2)));
        var flags = BinaryPrimitives.ReadUInt16BigEndian(infos[InfoExport].Data.AsSpan(10));
        Assert.Equal(HasFlags | SendFlush | SendFua | SendTrim | SendWriteZeroes | CanMultiConn, flags);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(infos[InfoBlockSize].Data.AsSpan(2)));
        Assert.Equal((uint)MaxPayload, BinaryPrimitives.ReadUInt32BigEndian(infos[InfoBlockSize].Data.AsSpan(10)));
        Assert.Equal("dg01/v1", Encoding.UTF8.GetString(infos[InfoName].Data.AsSpan(2)));
        Assert.Equal(RepAck, replies[^1].Type);

        var pattern = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)).ToArray();
        client.Request(CmdWrite, 1, 5000, (uint)pattern.Length, pattern, CmdFlagFua);
        var written = client.ReadReply();
        Assert.Equal((0u, 1ul), (written.Error, written.Cookie));
        client.Request(CmdFlush, 2, 0, 0);
        Assert.Equal(0u, client.ReadReply().Error);
        client.Request(CmdRead, 3, 5000, (uint)pattern.Length);
        var read = client.ReadReply(pattern.Length);
        Assert.Equal((0u, 3ul), (read.Error, read.Cookie));
        Assert.Equal(pattern, read.Data);
        Assert.Equal(1, export.Flushes);
    }

    [Fact]
    public void Export_name_enters_transmission_with_size_and_flags()
    {
        using var client = Connect();
        client.Greet(ClientFixedNewstyle);   // without NO_ZEROES: 124 zero bytes follow
        client.SendOption(OptExportName, Encoding.UTF8.GetBytes("dg01/v1"));
        var reply = client.Receive(8 + 2 + 124);
        Assert.Equal((ulong)Size, BinaryPrimitives.ReadUInt64BigEndian(reply));
        Assert.All(reply[10..], b => Assert.Equal(0, b));
        client.Request(CmdRead, 9, 0, 512);
        Assert.Equal(0u, client.ReadReply(512).Error);
    }

    [Fact]
    public void List_names_every_export_and_refuses_data()
    {
        using var client = Connect();
        client.Greet();
        var replies = client.Option(OptList, []);
        Assert.Equal(["dg01/v1", "dg01/dev"], replies.Where(r => r.Type == RepServer).Select(r => Encoding.UTF8.GetString(r.Data, 4, (int)BinaryPrimitives.ReadUInt32BigEndian(r.Data))));
        Assert.Equal(RepAck, replies[^1].Type);
        Assert.Equal(RepErrInvalid, client.Option(OptList, [1]).Single().Type);
    }

    [Fact]
    public void An_unknown_export_or_option_is_refused_and_the_handshake_goes_on()
    {
        using var client = Connect();
        client.Greet();
        var unknown = client.Option(OptGo, NbdTestClient.InfoData("dg01/nope")).Single();
        Assert.Equal(RepErrUnknown, unknown.Type);
        Assert.Contains("dg01/nope", Encoding.UTF8.GetString(unknown.Data));
        Assert.Equal(RepErrUnknown, client.Option(OptInfo, NbdTestClient.InfoData("nope")).Single().Type);
        Assert.Equal(RepErrUnsup, client.Option(99, [1, 2, 3]).Single().Type);
        Assert.Equal(RepErrPolicy, client.Option(OptStartTls, []).Single().Type);
        Assert.Equal(RepErrInvalid, client.Option(OptGo, [0, 0, 0, 9, 1]).Single().Type);
        Assert.Equal(RepErrInvalid, client.Option(OptStructuredReply, [1]).Single().Type);
        Assert.Equal(RepErrInvalid, client.Option(OptSetMetaContext, []).Single().Type);
        Assert.Equal(RepAck, client.Option(OptInfo, NbdTestClient.InfoData("dg01/v1"))[^1].Type);
        Assert.Equal(RepAck, client.Option(OptAbort, []).Single().Type);
        Assert.True(client.Closed());
    }

    [Fact]
    public void An_unknown_export_by_name_unknown_client_flags_or_bad_option_magic_end_the_connection()
    {
        using (var byName = Connect())
        {
            byName.Greet();
            byName.SendOption(OptExportName, Encoding.UTF8.GetBytes("dg01/nope"));
            Assert.True(byName.Closed());
        }
        using (var flags = Connect())
        {
            flags.Greet(0x80);
            Assert.True(flags.Closed());
        }
        using (var magic = Connect())
        {
            magic.Greet();
            magic.SendOption(OptList, [], magic: 0x1234);
            Assert.True(magic.Closed());
        }
        AssertStillServing();
    }

    [Fact]
    public void Out_of_range_oversized_unknown_and_malformed_requests_get_errors_and_the_connection_goes_on()
    {
        using var client = Connect();
        client.Go("dg01/v1");
        client.Request(CmdRead, 1, Size - 512, 1024);
        Assert.Equal(EINVAL, client.ReadReply().Error);
        client.Request(CmdWrite, 2, Size - 512, 1024, new byte[1024]);
        Assert.Equal(ENOSPC, client.ReadReply().Error);
        client.Request(CmdRead, 3, 0, MaxPayload + 1u);
        Assert.Equal(EINVAL, client.ReadReply().Error);
        client.Request(CmdWrite, 4, 0, MaxPayload + 4096u, new byte[MaxPayload + 4096]);   // the payload is read past
        Assert.Equal(EINVAL, client.ReadReply().Error);
        client.Request(5, 5, 0, 512);   // NBD_CMD_CACHE: not offered
        Assert.Equal(EINVAL, client.ReadReply().Error);
        client.Request(CmdRead, 6, 0, 512, flags: 0x40);
        Assert.Equal(EINVAL, client.ReadReply().Error);
        client.Request(CmdRead, 7, 0, 0);
        Assert.Equal(EINVAL, client.ReadReply().Error);
        client.Request(CmdWriteZeroes, 8, 0, 4096, flags: CmdFlagNoHole);
        Assert.Equal(0u, client.ReadReply().Error);
        client.Request(CmdTrim, 9, 0, 4096);
        Assert.Equal(0u, client.ReadReply().Error);
        client.Request(CmdRead, 10, 0, 512);
        var ok = client.ReadReply(512);
        Assert.Equal((0u, 10ul), (ok.Error, ok.Cookie));
        client.Request(CmdDisc, 11, 0, 0);
        Assert.True(client.Closed());
    }

    [Fact]
    public void Bad_request_magic_ends_that_connection_only()
    {
        using var other = Connect();
        other.Go("dg01/v1");
        using (var bad = Connect())
        {
            bad.Go("dg01/v1");
            bad.Request(CmdRead, 1, 0, 512, magic: 0xdeadbeef);
            Assert.True(bad.Closed());
        }
        other.Request(CmdRead, 2, 0, 512);
        Assert.Equal(0u, other.ReadReply(512).Error);
        lock (log) Assert.Contains(log, l => l.Contains("bad request magic"));
    }

    [Fact]
    public void A_client_that_disconnects_mid_request_leaves_the_server_serving()
    {
        using (var gone = Connect())
        {
            gone.Go("dg01/v1");
            gone.Request(CmdWrite, 1, 0, 65536);           // header only
            gone.Send(new byte[1000]);                     // part of the payload, then away
        }
        using (var half = Connect())
        {
            half.Go("dg01/v1");
            half.Send([0x25, 0x60]);                       // part of a header
        }
        AssertStillServing();
    }

    [Fact]
    public void Structured_replies_carry_data_chunks_and_error_messages()
    {
        using var client = Connect();
        var info = client.Go("dg01/v1", structured: true).First(r => r.Type == RepInfo && BinaryPrimitives.ReadUInt16BigEndian(r.Data) == InfoExport);
        Assert.NotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(info.Data.AsSpan(10)) & SendDf);
        client.Request(CmdWrite, 1, 4096, 4, [1, 2, 3, 4]);
        Assert.Equal(0u, client.ReadReply().Error);
        client.Request(CmdRead, 2, 4096, 4, flags: CmdFlagDf);
        var data = client.ReadReply();
        Assert.Equal((StructuredReplyMagic, ReplyTypeOffsetData, ReplyFlagDone, 2ul), (data.Magic, data.Type, data.Flags, data.Cookie));
        Assert.Equal(4096ul, BinaryPrimitives.ReadUInt64BigEndian(data.Data));
        Assert.Equal([1, 2, 3, 4], data.Data[8..]);
        client.Request(CmdRead, 3, Size, 4);
        var error = client.ReadReply();
        Assert.Equal((ReplyTypeError, ReplyFlagDone, EINVAL), (error.Type, error.Flags, error.Error));
        Assert.Contains("run past the end", Encoding.UTF8.GetString(error.Data, 6, BinaryPrimitives.ReadUInt16BigEndian(error.Data.AsSpan(4))));
    }

    [Fact]
    public void Requests_on_one_connection_run_concurrently_and_are_answered_out_of_order()
    {
        device.HeldOffset = 0;
        using var client = Connect();
        var block = client.Go("dg01/dev").First(r => r.Type == RepInfo && BinaryPrimitives.ReadUInt16BigEndian(r.Data) == InfoBlockSize);
        Assert.Equal(512u, BinaryPrimitives.ReadUInt32BigEndian(block.Data.AsSpan(2)));
        client.Request(CmdRead, 1, 0, 512);        // held until released
        client.Request(CmdRead, 2, 4096, 512);
        Assert.Equal(2ul, client.ReadReply(512).Cookie);
        device.Release();
        Assert.Equal(1ul, client.ReadReply(512).Cookie);
    }

    [Fact]
    public void Several_connections_share_an_export()
    {
        using var first = Connect();
        using var second = Connect();
        first.Go("dg01/v1");
        second.Go("dg01/v1");
        first.Request(CmdWrite, 1, 8192, 3, [7, 8, 9]);
        Assert.Equal(0u, first.ReadReply().Error);
        second.Request(CmdRead, 1, 8192, 3);
        Assert.Equal([7, 8, 9], second.ReadReply(3).Data);
    }

    private void AssertStillServing()
    {
        using var client = Connect();
        client.Go("dg01/v1");
        client.Request(CmdRead, 42, 0, 512);
        var reply = client.ReadReply(512);
        Assert.Equal((0u, 42ul), (reply.Error, reply.Cookie));
    }
}
