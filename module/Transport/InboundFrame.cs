namespace VolumeManager.Transport;

public enum LinkDirection
{
    /// <summary>The connection the peer opened to send to this node.</summary>
    Inbound,

    /// <summary>The connection this node opened to send to the peer.</summary>
    Outbound,
}

/// <summary>What the interconnect delivers to the agent, in arrival order per connection.</summary>
public abstract record InboundFrame(string From);

public sealed record PeerMessage(string From, byte[] Payload) : InboundFrame(From);

public sealed record PeerConnected(string From, LinkDirection Direction) : InboundFrame(From);

public sealed record PeerDisconnected(string From, LinkDirection Direction, string Reason) : InboundFrame(From);
