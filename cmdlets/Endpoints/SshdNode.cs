using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace VolumeManager.Cmdlets.Endpoints;

/// <summary>
/// The sshd of one node of a local test cluster (<c>-Transport Ssh</c>): its own config, host key, authorized
/// key and PowerShell subsystem, all in the node's folder, listening on 127.0.0.1 only. The subsystem is a
/// fixed wrapper script that exports the node's settings (read as data from <c>node.env</c>) and execs
/// <c>pwsh -sshs -NoLogo -NoProfile</c>. sshd detaches; its pid is read from the PidFile, and
/// <see cref="StopAsync"/> ends that process only (sessions still open end when their clients close them).
/// </summary>
public sealed partial class SshdNode
{
    public const string SubsystemName = "powershell";
    private const int AutoPortAttempts = 5;

    /// <param name="node">The node's name.</param>
    /// <param name="folder">The node's folder for sshd's files (created if absent).</param>
    /// <param name="clientPublicKeyPath">The public key allowed to log in (see <see cref="ClientKey"/>).</param>
    /// <param name="environment">The node's settings, exported to its endpoint pwsh (VM_NODE, VM_AGENT_SOCKET, PSModulePath, ...).</param>
    /// <param name="pwshPath">The pwsh launcher the subsystem execs.</param>
    public SshdNode(string node, string folder, string clientPublicKeyPath, IReadOnlyDictionary<string, string> environment, string pwshPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(node);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentException.ThrowIfNullOrWhiteSpace(pwshPath);
        foreach (var (name, value) in environment)
        {
            if (!EnvironmentName().IsMatch(name))
                throw new ArgumentException($"'{name}' is not a valid environment variable name for a shell (letters, digits, _; not starting with a digit).", nameof(environment));
            if (value is null || value.Contains('\0'))
                throw new ArgumentException($"The value of '{name}' must be a string without NUL characters.", nameof(environment));
        }
        if (pwshPath.Contains('\0')) throw new ArgumentException("The pwsh path contains a NUL character.", nameof(pwshPath));

        Node = node;
        Folder = SshPaths.Check(Path.GetFullPath(folder), nameof(folder));
        ClientPublicKeyPath = Path.GetFullPath(clientPublicKeyPath);
        Environment = new Dictionary<string, string>(environment, StringComparer.Ordinal);
        PwshPath = Path.GetFullPath(pwshPath);
    }

    public string Node { get; }
    public string Folder { get; }
    public string ClientPublicKeyPath { get; }
    public IReadOnlyDictionary<string, string> Environment { get; }
    public string PwshPath { get; }

    /// <summary>The port to listen on; 0 (default) picks a free loopback port at start.</summary>
    public int RequestedPort { get; init; }

    /// <summary>The address sshd listens on (and only there): loopback by default, a node's own address in a namespace cluster.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>A command prefix sshd is started under, e.g. <c>ip netns exec NS</c> to run it in a node's network namespace.</summary>
    public IReadOnlyList<string> Launcher { get; init; } = [];

    /// <summary>The account the client logs in as (AllowUsers); by default the current user.</summary>
    public string UserName { get; init; } = System.Environment.UserName;

    public string SshdPath { get; init; } = "/usr/sbin/sshd";

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string ConfigPath => Path.Combine(Folder, "sshd_config");
    public string HostKeyPath => Path.Combine(Folder, "ssh_host_ed25519_key");
    public string PidFilePath => Path.Combine(Folder, "sshd.pid");
    public string AuthorizedKeysPath => Path.Combine(Folder, "authorized_keys");
    public string LogPath => Path.Combine(Folder, "sshd.log");
    public string WrapperPath => Path.Combine(Folder, "pwsh-subsystem.sh");
    public string EnvironmentFilePath => Path.Combine(Folder, "node.env");
    public string PwshPathFilePath => Path.Combine(Folder, "pwsh.path");
    public string SessionConfigurationPath => Path.Combine(Folder, NodeSessionConfiguration.FileName);

    /// <summary>
    /// The node-side manifest the endpoint's restricted session configuration imports; the subsystem then starts pwsh
    /// with <c>-ConfigurationFile</c> on it (only the node-side commands, no script). Null: an unrestricted pwsh.
    /// </summary>
    public string? NodeManifestPath { get; init; }

    /// <summary>The port sshd listens on, once started.</summary>
    public int Port { get; private set; }

    /// <summary>The sshd listener's pid, once started (from its PidFile).</summary>
    public int? ProcessId { get; private set; }

    /// <summary>Whether this node's sshd is running (the pid in its PidFile is an sshd using this node's config).</summary>
    public bool IsRunning => RunningPid() is not null;

    /// <summary>Writes the node's files and starts sshd; returns once it accepts connections on <see cref="Port"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("A local sshd node needs Linux (OpenSSH's sshd, and /proc to tell its process apart).");
        if (RunningPid() is { } running)
            throw new InvalidOperationException($"node {Node}: sshd is already running (pid {running}, {ConfigPath}).");
        if (!UserNamePattern().IsMatch(UserName))
            throw new InvalidOperationException($"'{UserName}' cannot be written into an sshd AllowUsers line.");
        if (!File.Exists(SshdPath))
            throw new FileNotFoundException($"node {Node}: sshd is not installed at {SshdPath} (apt-get install openssh-server).", SshdPath);

        Directory.CreateDirectory(Folder);
        EnsurePrivilegeSeparationDirectory();
        if (!File.Exists(HostKeyPath) || !File.Exists(HostKeyPath + ".pub"))
        {
            File.Delete(HostKeyPath);
            File.Delete(HostKeyPath + ".pub");
            await KeyGen.CreateAsync(HostKeyPath, $"volumemanager-{Node}", cancellationToken);
        }
        WriteAuthorizedKeys();
        WriteSettings();
        WriteFile(WrapperPath, Encoding.UTF8.GetBytes(WrapperScript), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        for (var attempt = 1; ; attempt++)
        {
            var port = RequestedPort != 0 ? RequestedPort : ProcessTools.FreeLoopbackPort();
            var outcome = await TryStartAsync(port, cancellationToken);
            if (outcome is null) return;
            if (RequestedPort == 0 && attempt < AutoPortAttempts && outcome.Contains("Cannot bind any address", StringComparison.Ordinal))
                continue;   // another process took the port between picking and binding it
            throw new InvalidOperationException($"node {Node}: sshd did not start on {ListenAddress}:{port}. {outcome}");
        }
    }

    /// <summary>Ends this node's sshd (SIGTERM, then SIGKILL after a grace period) and removes its PidFile. Nothing happens if it is not running.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (RunningPid() is { } pid) await ProcessTools.TerminateAsync(pid, TimeSpan.FromSeconds(3), cancellationToken);
        File.Delete(PidFilePath);
        ProcessId = null;
    }

    /// <summary>The pid in the PidFile if it is a live sshd started with this node's config; a stale or reused pid gives null.</summary>
    public int? RunningPid()
    {
        if (!File.Exists(PidFilePath)) return null;
        if (!int.TryParse(File.ReadAllText(PidFilePath).Trim(), out var pid) || pid <= 0) return null;
        var commandLine = ProcessTools.CommandLine(pid);
        // sshd rewrites its title ("sshd: /usr/sbin/sshd -f <config> ... [listener] ..."), so match the joined text.
        return commandLine is not null && string.Join(' ', commandLine).Contains($"-f {ConfigPath}", StringComparison.Ordinal) ? pid : null;
    }

    /// <summary>Starts sshd on <paramref name="port"/>; null on success, else what went wrong (sshd's own words where it gave any).</summary>
    private async Task<string?> TryStartAsync(int port, CancellationToken ct)
    {
        File.WriteAllText(ConfigPath, Config(port));
        File.Delete(PidFilePath);
        var logStart = File.Exists(LogPath) ? new FileInfo(LogPath).Length : 0;

        // sshd forks: this process exits at once (non-zero on a bad config); the daemon binds, then writes the PidFile.
        string[] command = [.. Launcher, SshdPath, "-f", ConfigPath, "-E", LogPath];
        var (exit, output, error) = await ProcessTools.RunAsync(command[0], command[1..], StartTimeout, ct);
        if (exit != 0) return $"sshd exited with code {exit}: {error} {output} {LogSince(logStart)}".Trim();

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (RunningPid() is { } pid && await ProcessTools.AcceptsConnectionsAsync(System.Net.IPAddress.Parse(ListenAddress), port, ct))
            {
                Port = port;
                ProcessId = pid;
                return null;
            }
            var log = LogSince(logStart);
            if (log.Contains("Cannot bind any address", StringComparison.Ordinal) || log.Contains("fatal", StringComparison.OrdinalIgnoreCase))
                return log;
            await Task.Delay(20, ct);
        }
        return $"it did not accept connections within {StartTimeout.TotalSeconds:0.#} s. {LogSince(logStart)}".Trim();
    }

    private string Config(int port) => $"""
        # sshd of one VolumeManager node; written by SshdNode at every start.
        Port {port}
        ListenAddress {ListenAddress}
        HostKey {HostKeyPath}
        PidFile {PidFilePath}
        AuthorizedKeysFile {AuthorizedKeysPath}
        AllowUsers {UserName}
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PermitRootLogin yes
        UsePAM no
        StrictModes no
        AllowTcpForwarding no
        AllowAgentForwarding no
        X11Forwarding no
        PermitTTY no
        PrintMotd no
        # sshd runs the subsystem as "<login shell> -c <wrapper>"; bash (built with SSH_SOURCE_BASHRC, as on Debian)
        # then sources ~/.bashrc, which can take seconds (pyenv init) or write to stdout, corrupting the remoting
        # stream. Bash does so only when it thinks it is the top-level shell: SHLVL=1 makes it level 2.
        SetEnv SHLVL=1
        Subsystem {SubsystemName} {WrapperPath}

        """;

    private void WriteAuthorizedKeys()
    {
        var key = File.ReadAllText(ClientPublicKeyPath).Trim();
        if (key.Length == 0 || key.Contains('\n'))
            throw new InvalidOperationException($"{ClientPublicKeyPath} must hold exactly one public key line.");
        // restrict: no forwarding, no pty, no ~/.ssh/rc; subsystems still work.
        WriteFile(AuthorizedKeysPath, Encoding.UTF8.GetBytes($"restrict {key}\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>node.env: NUL-terminated NAME=VALUE entries; pwsh.path: the launcher path, NUL-terminated. Data only: the wrapper never evaluates them.</summary>
    private void WriteSettings()
    {
        var settings = new Dictionary<string, string>(Environment, StringComparer.Ordinal);
        if (!settings.ContainsKey("DOTNET_ROOT") && System.Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } dotnetRoot)
            settings["DOTNET_ROOT"] = dotnetRoot;   // sshd sessions start with a minimal environment; the pwsh apphost may need it
        var entries = new StringBuilder();
        foreach (var (name, value) in settings) entries.Append(name).Append('=').Append(value).Append('\0');
        WriteFile(EnvironmentFilePath, Encoding.UTF8.GetBytes(entries.ToString()), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteFile(PwshPathFilePath, Encoding.UTF8.GetBytes(PwshPath + "\0"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (NodeManifestPath is not null) NodeSessionConfiguration.Write(SessionConfigurationPath, NodeManifestPath);
        else File.Delete(SessionConfigurationPath);
    }

    private static void WriteFile(string path, byte[] content, UnixFileMode mode)
    {
        var temporary = path + ".new";
        File.WriteAllBytes(temporary, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, mode);
        File.Move(temporary, path, overwrite: true);
    }

    private string LogSince(long offset)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            return new StreamReader(stream).ReadToEnd().Trim();
        }
        catch (FileNotFoundException) { return ""; }
    }

    private static void EnsurePrivilegeSeparationDirectory()
    {
        // sshd refuses to start without it ("Missing privilege separation directory: /run/sshd"); the package does not create it.
        try { Directory.CreateDirectory("/run/sshd"); }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>The subsystem: fixed text. Node settings come from node.env and pwsh.path as data; nothing read is evaluated.</summary>
    private const string WrapperScript = """
        #!/bin/bash
        # PowerShell subsystem of a VolumeManager node's sshd; written by SshdNode, fixed text.
        # The node's settings are data next to this script, never evaluated:
        #   node.env   NUL-terminated NAME=VALUE entries, exported as they are
        #   pwsh.path  the pwsh launcher to exec (NUL-terminated)
        #   VolumeManager.Node.pssc  when present, the restricted session configuration pwsh applies
        here=${0%/*}
        while IFS= read -r -d '' entry; do
          name=${entry%%=*}
          if [[ $entry != *=* || ! $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
            echo "VolumeManager: bad entry in $here/node.env" >&2
            exit 1
          fi
          export "$name=${entry#*=}"
        done < "$here/node.env"
        IFS= read -r -d '' pwsh < "$here/pwsh.path"
        if [[ -f $here/VolumeManager.Node.pssc ]]; then
          exec "$pwsh" -sshs -NoLogo -NoProfile -ConfigurationFile "$here/VolumeManager.Node.pssc"
        fi
        exec "$pwsh" -sshs -NoLogo -NoProfile

        """;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]*$")]
    private static partial Regex UserNamePattern();
}
