namespace VolumeManager.Agent.Nbd;

/// <summary>The numbers of the NBD protocol (NetworkBlockDevice/nbd, doc/proto.md) that this server speaks.</summary>
public static class NbdProtocol
{
    public const ulong InitMagic = 0x4e42444d41474943;      // "NBDMAGIC"
    public const ulong OptionMagic = 0x49484156454F5054;    // "IHAVEOPT"
    public const ulong OptionReplyMagic = 0x3e889045565a9;
    public const uint RequestMagic = 0x25609513;
    public const uint SimpleReplyMagic = 0x67446698;
    public const uint StructuredReplyMagic = 0x668e33ef;

    // Handshake flags (server) and client flags.
    public const ushort FlagFixedNewstyle = 1 << 0;
    public const ushort FlagNoZeroes = 1 << 1;
    public const uint ClientFixedNewstyle = 1 << 0;
    public const uint ClientNoZeroes = 1 << 1;

    // Options.
    public const uint OptExportName = 1;
    public const uint OptAbort = 2;
    public const uint OptList = 3;
    public const uint OptStartTls = 5;
    public const uint OptInfo = 6;
    public const uint OptGo = 7;
    public const uint OptStructuredReply = 8;
    public const uint OptListMetaContext = 9;
    public const uint OptSetMetaContext = 10;

    // Option replies.
    public const uint RepAck = 1;
    public const uint RepServer = 2;
    public const uint RepInfo = 3;
    public const uint RepErrUnsup = 0x80000001;
    public const uint RepErrPolicy = 0x80000002;
    public const uint RepErrInvalid = 0x80000003;
    public const uint RepErrUnknown = 0x80000006;

    // NBD_INFO types.
    public const ushort InfoExport = 0;
    public const ushort InfoName = 1;
    public const ushort InfoDescription = 2;
    public const ushort InfoBlockSize = 3;

    // Transmission flags.
    public const ushort HasFlags = 1 << 0;
    public const ushort SendFlush = 1 << 2;
    public const ushort SendFua = 1 << 3;
    public const ushort SendTrim = 1 << 5;
    public const ushort SendWriteZeroes = 1 << 6;
    public const ushort SendDf = 1 << 7;
    public const ushort CanMultiConn = 1 << 8;

    // Commands and their flags.
    public const ushort CmdRead = 0;
    public const ushort CmdWrite = 1;
    public const ushort CmdDisc = 2;
    public const ushort CmdFlush = 3;
    public const ushort CmdTrim = 4;
    public const ushort CmdWriteZeroes = 6;
    public const ushort CmdFlagFua = 1 << 0;
    public const ushort CmdFlagNoHole = 1 << 1;
    public const ushort CmdFlagDf = 1 << 2;

    // Structured reply chunks.
    public const ushort ReplyFlagDone = 1 << 0;
    public const ushort ReplyTypeNone = 0;
    public const ushort ReplyTypeOffsetData = 1;
    public const ushort ReplyTypeError = 0x8001;

    // Errors.
    public const uint EPERM = 1;
    public const uint EIO = 5;
    public const uint EINVAL = 22;
    public const uint ENOSPC = 28;
    public const uint EOVERFLOW = 75;
    public const uint ESHUTDOWN = 108;

    /// <summary>Largest request payload served (libnbd's own default maximum).</summary>
    public const int MaxPayload = 32 * 1024 * 1024;
    public const int PreferredBlockSize = 4096;
    /// <summary>Longest option data accepted during the handshake; a longer option ends the connection.</summary>
    public const int MaxOptionLength = 64 * 1024;
    public const int RequestHeaderLength = 28;
    public const int SimpleReplyLength = 16;
    public const int StructuredHeaderLength = 20;
}
