using System.Text;

namespace VolumeManager.Transport;

internal enum ControlStatus : byte
{
    Ok = 0,
    Refused = 1,
    Failed = 2,
}

/// <summary>
/// The control-socket protocol: the client's first frame is the node token, the server answers with
/// a reply; then each request frame gets one reply. A reply is a status byte and a body (the response,
/// or a UTF-8 message).
/// </summary>
internal static class ControlFrames
{
    public const int MaxTokenFrameLength = 1024;
    public const string Sender = "";

    public static byte[] Ok(ReadOnlySpan<byte> body) => [(byte)ControlStatus.Ok, .. body];

    public static byte[] Error(ControlStatus status, string message) =>
        [(byte)status, .. Encoding.UTF8.GetBytes(message)];

    public static ControlStatus StatusOf(byte[] reply) =>
        reply.Length == 0 ? throw new InvalidDataException("The agent sent an empty reply.") : (ControlStatus)reply[0];

    public static byte[] Body(byte[] reply) => reply[1..];

    public static string Message(byte[] reply) => Encoding.UTF8.GetString(reply, 1, reply.Length - 1);
}
