namespace VolumeManager.Transport;

/// <summary>Computes and checks the tag that follows every frame's payload.</summary>
public interface IFrameAuthenticator
{
    int TagLength { get; }

    void ComputeTag(string sender, ReadOnlySpan<byte> payload, Span<byte> tag);

    bool Verify(string sender, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> tag);
}
