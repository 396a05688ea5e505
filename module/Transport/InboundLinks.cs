namespace VolumeManager.Transport;

/// <summary>
/// The current inbound connection per peer. A new connection from a peer supersedes the old one,
/// which is closed without a disconnect notification: the peer is still there.
/// </summary>
internal sealed class InboundLinks
{
    private readonly Dictionary<string, InboundLink> current = new(StringComparer.Ordinal);

    public InboundLink Open(string peer, CancellationToken ct)
    {
        var link = new InboundLink(peer, ct);
        lock (current)
        {
            if (current.Remove(peer, out InboundLink? old))
            {
                old.Supersede();
            }
            current[peer] = link;
        }
        return link;
    }

    /// <returns>False when the link had been superseded.</returns>
    public bool Close(InboundLink link)
    {
        lock (current)
        {
            return current.TryGetValue(link.Peer, out InboundLink? now) && now == link && current.Remove(link.Peer);
        }
    }
}

internal sealed class InboundLink(string peer, CancellationToken ct) : IDisposable
{
    private readonly CancellationTokenSource cts = CancellationTokenSource.CreateLinkedTokenSource(ct);

    public string Peer { get; } = peer;

    public CancellationToken Token => cts.Token;

    public void Supersede() => cts.Cancel();

    public void Dispose() => cts.Dispose();
}
