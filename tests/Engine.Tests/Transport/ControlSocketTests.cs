using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using VolumeManager.Transport;

namespace VolumeManager.Engine.Tests.Transport;

public sealed class ControlSocketTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly TempDirectory temp = new();
    private readonly byte[] token = RandomNumberGenerator.GetBytes(NodeToken.Length);
    private readonly ConcurrentQueue<string> log = new();
    private readonly List<IAsyncDisposable> owned = [];

    private string SocketPath => temp.File("agent.sock");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (IAsyncDisposable item in Enumerable.Reverse(owned))
        {
            await item.DisposeAsync();
        }
        temp.Dispose();
    }

    [Fact]
    public async Task Requests_from_many_threads_each_get_their_own_response()
    {
        await StartServerAsync(SocketPath, Upper);
        using var client = new ControlClient(SocketPath, token);

        string[] answers = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
            Encoding.UTF8.GetString(await client.RequestAsync(Encoding.UTF8.GetBytes($"request {i}"), Bound)))));

        Assert.Equal(Enumerable.Range(0, 32).Select(i => $"REQUEST {i}"), answers);
    }

    [Fact]
    public async Task A_wrong_node_token_is_refused_with_a_clear_error()
    {
        await StartServerAsync(SocketPath, Upper);
        using var client = new ControlClient(SocketPath, RandomNumberGenerator.GetBytes(NodeToken.Length));

        var error = await Assert.ThrowsAsync<AgentAccessDeniedException>(
            () => client.RequestAsync("status"u8.ToArray(), Bound));

        Assert.Contains("node token", error.Message);
        Assert.Contains(SocketPath, error.Message);
        Assert.Contains(log, l => l.Contains("wrong node token"));
    }

    [Fact]
    public async Task The_socket_is_owner_only_in_a_directory_created_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        string path = Path.Combine(temp.Path, "run", "agent.sock");

        await StartServerAsync(path, Upper);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task Nothing_listening_throws_AgentUnreachable_naming_the_socket()
    {
        using var client = new ControlClient(SocketPath, token);

        var error = await Assert.ThrowsAsync<AgentUnreachableException>(
            () => client.RequestAsync("status"u8.ToArray(), Bound));

        Assert.Equal(SocketPath, error.SocketPath);
        Assert.Contains(SocketPath, error.Message);
    }

    [Fact]
    public async Task A_stale_socket_file_is_replaced_and_clients_reconnect_after_a_restart()
    {
        CreateStaleSocketFile(SocketPath);
        using var client = new ControlClient(SocketPath, token, maxConnections: 1);
        await Assert.ThrowsAsync<AgentUnreachableException>(() => client.RequestAsync("a"u8.ToArray(), Bound));

        ControlServer first = await StartServerAsync(SocketPath, Upper);
        byte[] before = await client.RequestAsync("before"u8.ToArray(), Bound);
        await first.DisposeAsync();
        await StartServerAsync(SocketPath, Upper);
        byte[] after = await client.RequestAsync("after"u8.ToArray(), Bound);

        Assert.Equal("BEFORE"u8.ToArray(), before);
        Assert.Equal("AFTER"u8.ToArray(), after);
    }

    [Fact]
    public async Task A_second_server_on_a_live_socket_is_refused()
    {
        await StartServerAsync(SocketPath, Upper);
        await using var second = new ControlServer(SocketPath, token, Upper, log.Enqueue);

        var error = await Assert.ThrowsAsync<IOException>(() => second.StartAsync());

        Assert.Contains("already listening", error.Message);
    }

    [Fact]
    public async Task A_failing_handler_is_reported_and_the_connection_stays_usable()
    {
        await StartServerAsync(SocketPath, (request, _) => request.Length == 0
            ? throw new InvalidOperationException("empty request")
            : Upper(request, default));
        using var client = new ControlClient(SocketPath, token, maxConnections: 1);

        var error = await Assert.ThrowsAsync<AgentRequestFailedException>(() => client.RequestAsync([], Bound));
        byte[] next = await client.RequestAsync("ok"u8.ToArray(), Bound);

        Assert.Equal("empty request", error.AgentMessage);
        Assert.Equal("OK"u8.ToArray(), next);
    }

    [Fact]
    public async Task A_request_the_agent_does_not_answer_in_time_times_out()
    {
        await StartServerAsync(SocketPath, async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return [];
        });
        using var client = new ControlClient(SocketPath, token);

        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => client.RequestAsync("slow"u8.ToArray(), TimeSpan.FromMilliseconds(200)));

        Assert.Contains(SocketPath, error.Message);
    }

    private static Task<byte[]> Upper(byte[] request, CancellationToken ct) =>
        Task.FromResult(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(request).ToUpperInvariant()));

    private static void CreateStaleSocketFile(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
    }

    private async Task<ControlServer> StartServerAsync(string path, Func<byte[], CancellationToken, Task<byte[]>> handler)
    {
        var server = new ControlServer(path, token, handler, log.Enqueue);
        owned.Add(server);
        await server.StartAsync();
        return server;
    }
}
