using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace VolumeManager.Cmdlets.Endpoints;

/// <summary>Small process and socket helpers for the SSH side of a local test cluster.</summary>
internal static class ProcessTools
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    /// <summary>Runs a program with arguments as a list (no shell), stdin closed; returns its exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"{program} did not finish within {timeout.TotalSeconds:0.#} s.");
        }
        return (process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    /// <summary>A loopback TCP port that is free right now (bind 127.0.0.1:0, read, close). Another process may take it before it is used.</summary>
    public static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static Task<bool> AcceptsConnectionsAsync(int port, CancellationToken ct) => AcceptsConnectionsAsync(IPAddress.Loopback, port, ct);

    public static async Task<bool> AcceptsConnectionsAsync(IPAddress address, int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(address, port, ct);
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>The process's command line (Linux /proc), or null if there is no such process or it has exited.</summary>
    public static string[]? CommandLine(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // State is the field after "(comm)"; a zombie has exited and only awaits its parent's wait().
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 2)[0];
            if (state is "Z" or "X") return null;
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static bool IsAlive(int pid) => CommandLine(pid) is not null;

    /// <summary>Ends one process: SIGTERM, then SIGKILL if it is still there after <paramref name="grace"/>. Returns once it has exited.</summary>
    public static async Task TerminateAsync(int pid, TimeSpan grace, CancellationToken ct)
    {
        if (!IsAlive(pid)) return;
        _ = Kill(pid, SigTerm);
        var deadline = Stopwatch.StartNew();
        while (IsAlive(pid))
        {
            if (deadline.Elapsed > grace)
            {
                _ = Kill(pid, SigKill);
                grace = TimeSpan.MaxValue;
            }
            await Task.Delay(20, ct);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
