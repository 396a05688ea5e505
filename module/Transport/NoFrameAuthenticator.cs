namespace VolumeManager.Transport;

// Control-socket frames carry no tag: the socket is owner-only and each connection presents the node token.
internal sealed class NoFrameAuthenticator : IFrameAuthenticator
{
    public static readonly NoFrameAuthenticator Instance = new();

    public int TagLength => 0;

    public void ComputeTag(string sender, ReadOnlySpan<byte> payload, Span<byte> tag)
    {
    }

    public bool Verify(string sender, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> tag) => true;
}
