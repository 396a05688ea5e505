using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace VolumeManager.Engine.Tests.Transport;

/// <summary>
/// A man in the middle for one interconnect connection: forwards the dialler's frames whole to the
/// listener, keeps a copy of each, and lets a test slip recorded frames in between them.
/// </summary>
internal sealed class FrameProxy : IAsyncDisposable
{
    private const int TagLength = 32;
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint target;
    private readonly List<byte[]> frames = [];
    private readonly SemaphoreSlim writing = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource<NetworkStream> upstream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IDisposable> owned = [];
    private Task forwarding = Task.CompletedTask;

    public FrameProxy(IPEndPoint target)
    {
        this.target = target;
        listener.Start();
        forwarding = ForwardAsync(stopping.Token);
    }

    public IPEndPoint EndPoint => (IPEndPoint)listener.LocalEndpoint;

    /// <summary>The dialler's frames so far, as written on the wire: hello, confirm, then data frames.</summary>
    public byte[][] Frames
    {
        get
        {
            lock (frames)
            {
                return [.. frames];
            }
        }
    }

    public async Task InjectAsync(byte[] frame)
    {
        NetworkStream stream = await upstream.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await writing.WaitAsync();
        try
        {
            await stream.WriteAsync(frame);
        }
        finally
        {
            writing.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Cancel();
        listener.Stop();
        foreach (IDisposable item in owned)
        {
            item.Dispose();
        }
        try
        {
            await forwarding;
        }
        catch (Exception)
        {
        }
    }

    /// <summary>Reads one whole frame (length, payload, tag) from a stream; null at its end.</summary>
    public static async Task<byte[]?> ReadRawFrameAsync(Stream stream, CancellationToken ct)
    {
        byte[] header = new byte[4];
        if (await stream.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false, ct) < 4)
        {
            return null;
        }
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        byte[] frame = new byte[4 + length + TagLength];
        header.CopyTo(frame, 0);
        await stream.ReadExactlyAsync(frame.AsMemory(4), ct);
        return frame;
    }

    private async Task ForwardAsync(CancellationToken ct)
    {
        Socket client = await listener.AcceptSocketAsync(ct);
        var server = new TcpClient();
        owned.Add(client);
        owned.Add(server);
        await server.ConnectAsync(target, ct);
        var fromClient = new NetworkStream(client);
        NetworkStream toServer = server.GetStream();
        upstream.SetResult(toServer);
        Task back = toServer.CopyToAsync(fromClient, ct);
        while (await ReadRawFrameAsync(fromClient, ct) is { } frame)
        {
            lock (frames)
            {
                frames.Add(frame);
            }
            await InjectAsync(frame);
        }
        await back;
    }
}
