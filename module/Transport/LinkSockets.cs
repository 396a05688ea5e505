using System.Net.Sockets;

namespace VolumeManager.Transport;

/// <summary>
/// Socket settings of every interconnect connection: no Nagle delay, and a dead path noticed within
/// <see cref="InterconnectOptions.DeadLinkTimeout"/> (keepalive probes, and on Linux TCP_USER_TIMEOUT for data left
/// unacknowledged), so a link that went down ends its connection and is re-established with a fresh handshake once
/// the path is back, instead of waiting out TCP's retransmission backoff.
/// </summary>
internal static class LinkSockets
{
    private const int TcpUserTimeout = 18; // linux/tcp.h

    public static void Configure(Socket socket, InterconnectOptions options)
    {
        socket.NoDelay = true;
        int seconds = Math.Max(1, (int)(options.DeadLinkTimeout.TotalSeconds / 3));
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, seconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, seconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 2);
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption(
                    (int)SocketOptionLevel.Tcp, TcpUserTimeout,
                    BitConverter.GetBytes((int)options.DeadLinkTimeout.TotalMilliseconds));
            }
        }
        catch (SocketException)
        {
            // A platform without these options keeps TCP's defaults; the write timeout still bounds a stuck link.
        }
    }
}
