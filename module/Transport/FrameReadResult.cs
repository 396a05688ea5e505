namespace VolumeManager.Transport;

public enum FrameStatus
{
    Valid,
    BadTag,
    EndOfStream,
}

/// <summary>
/// One frame read from a stream. <see cref="Payload"/> is empty unless the frame is valid;
/// <see cref="Length"/> is the payload length the frame declared.
/// </summary>
public readonly record struct FrameReadResult(FrameStatus Status, byte[] Payload, int Length)
{
    internal static FrameReadResult EndOfStream => new(FrameStatus.EndOfStream, [], 0);

    internal static FrameReadResult Valid(byte[] payload) => new(FrameStatus.Valid, payload, payload.Length);

    internal static FrameReadResult BadTag(int length) => new(FrameStatus.BadTag, [], length);
}
