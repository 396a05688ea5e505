using System.Collections.Concurrent;
using System.Net.Sockets;

namespace VolumeManager.Agent.Nbd;

/// <summary>
/// The node's NBD server: a Unix socket only the owner may open (the same trust as the control socket), one thread
/// per connection for its handshake and requests. No TCP listener.
/// </summary>
public sealed class NbdServer(string socketPath, INbdExports exports, Action<string> log) : IDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<Socket, byte> clients = new();
    private Socket? listener;

    public string SocketPath { get; } = Path.GetFullPath(socketPath);

    public void Start()
    {
        if (File.Exists(SocketPath)) File.Delete(SocketPath);   // the state directory is locked to this agent: a socket left there is stale
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(SocketPath));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            socket.Listen(64);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        listener = socket;
        ThreadPool.GetMinThreads(out var workers, out var completion);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), completion);   // requests block in pread/pwrite: do not wait for the pool to grow
        new Thread(Accept) { IsBackground = true, Name = "nbd-accept" }.Start();
        log($"nbd: serving volumes on '{SocketPath}'");
    }

    private void Accept()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try { client = listener!.Accept(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            clients[client] = 0;
            new Thread(() => Serve(client)) { IsBackground = true, Name = "nbd-connection" }.Start();
        }
    }

    private void Serve(Socket client)
    {
        try
        {
            var reader = new SocketReader(client);
            client.ReceiveTimeout = (int)HandshakeTimeout.TotalMilliseconds;
            var session = new NbdHandshake(client, reader, exports, log).Run();
            if (session is null) { client.Dispose(); return; }
            client.ReceiveTimeout = 0;
            new NbdConnection(client, reader, session, log, stopping.Token).Run();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or EndOfStreamException or IOException)
        {
            client.Dispose();   // the client went away during the handshake
        }
        finally { clients.TryRemove(client, out _); }
    }

    public void Dispose()
    {
        stopping.Cancel();
        listener?.Dispose();
        foreach (var client in clients.Keys)
        {
            try { client.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }
        if (listener is not null && File.Exists(SocketPath)) File.Delete(SocketPath);
    }
}
