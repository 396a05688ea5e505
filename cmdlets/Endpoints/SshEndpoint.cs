using System.Collections;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using VolumeManager.Engine.Checks;

namespace VolumeManager.Cmdlets.Endpoints;

/// <summary>
/// A node endpoint over SSH: what <c>New-PSSession -HostName -Port -UserName -KeyFilePath -Options</c> does,
/// from C# (<see cref="SSHConnectionInfo"/> + <see cref="RunspaceFactory.CreateRunspace(RunspaceConnectionInfo, PSHost, TypeTable)"/>).
/// Unattended: BatchMode=yes, and host keys are pinned: accepted on first use into the cluster's own known-hosts
/// file, and a node whose key has changed since is refused (<see cref="ErrorIds.HostKeyChanged"/>), naming the node.
/// </summary>
public sealed class SshEndpoint : NodeEndpoint
{
    /// <param name="node">The node's name.</param>
    /// <param name="hostName">Host name or address of the node's sshd (no port: see <paramref name="port"/>).</param>
    /// <param name="port">The sshd's TCP port.</param>
    /// <param name="userName">The account to log in as.</param>
    /// <param name="keyFilePath">The client's private key file.</param>
    /// <param name="knownHostsFile">The known-hosts file of this cluster (UserKnownHostsFile); created by ssh on first use.</param>
    public SshEndpoint(string node, string hostName, int port, string userName, string keyFilePath, string knownHostsFile) : base(node)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostName);
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        if (hostName.Contains(':') && !hostName.StartsWith('['))
            throw new ArgumentException($"Give the port in {nameof(port)}, not in the host name ('{hostName}').", nameof(hostName));
        HostName = hostName;
        Port = port;
        UserName = userName;
        KeyFilePath = SshPaths.Check(Path.GetFullPath(keyFilePath), nameof(keyFilePath));
        KnownHostsFile = SshPaths.Check(Path.GetFullPath(knownHostsFile), nameof(knownHostsFile));
    }

    public override string TransportName => "SSH";

    public string HostName { get; }
    public int Port { get; }
    public string UserName { get; }
    public string KeyFilePath { get; }
    public string KnownHostsFile { get; }

    /// <summary>The sshd subsystem that serves PowerShell remoting.</summary>
    public string Subsystem { get; init; } = "powershell";

    /// <summary>How long ssh may take to connect and authenticate (SSHConnectionInfo.ConnectingTimeout).</summary>
    public TimeSpan ConnectingTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The ssh options passed as <c>-o Name=Value</c>.</summary>
    public IReadOnlyDictionary<string, string> Options => new Dictionary<string, string>
    {
        ["StrictHostKeyChecking"] = "accept-new",
        ["UserKnownHostsFile"] = KnownHostsFile,
        ["BatchMode"] = "yes",
        // Only the key given: no agent keys or default identities tried first (each failed try counts towards MaxAuthTries).
        ["IdentitiesOnly"] = "yes",
        // PowerShell copies every line ssh writes to stderr to this process's stdout (Console.WriteLine), and keeps
        // none of it for the error: ssh's own messages ("Warning: Permanently added ...", "Connection refused") would
        // litter the admin's console. A failed open reruns ssh with its stderr captured instead (DiagnoseAsync).
        ["LogLevel"] = "QUIET",
    };

    protected override Runspace CreateRunspace(TypeTable types, PSHost? host)
    {
        var options = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in Options) options[name] = value;
        var connection = new SSHConnectionInfo(UserName, HostName, KeyFilePath, Port, Subsystem,
            (int)Math.Min(int.MaxValue, ConnectingTimeout.TotalMilliseconds), options);
        return RunspaceFactory.CreateRunspace(connection, host, types);
    }

    /// <summary>
    /// PowerShell reports most ssh failures as "The SSH transport process has abruptly terminated"; ssh's reason
    /// (connection refused, permission denied, subsystem request failed) went to the console. Ask ssh once more,
    /// same options, stdin closed, and keep what it says on stderr.
    /// </summary>
    protected override async Task<string?> DiagnoseAsync(Exception failure, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        if (elapsed >= ConnectingTimeout) return null;   // PowerShell's "time out" message says it all; do not wait twice
        var arguments = new List<string> { "-i", KeyFilePath, "-l", UserName, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var (name, value) in Options)
        {
            arguments.Add("-o");
            arguments.Add(name == "LogLevel" ? "LogLevel=ERROR" : $"{name}={value}");
        }
        arguments.AddRange(["-o", $"ConnectTimeout={Math.Max(1, (int)Math.Ceiling(ConnectingTimeout.TotalSeconds))}", "-s", HostName, Subsystem]);
        try
        {
            var (_, _, error) = await ProcessTools.RunAsync("ssh", arguments, ConnectingTimeout + TimeSpan.FromSeconds(5), cancellationToken);
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => !line.StartsWith("Warning: Permanently added", StringComparison.Ordinal));
            var reason = string.Join(" ", lines);
            if (reason.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal))
                throw new EndpointOpenException(Node, TransportName,
                    $"node {Node}: its SSH host key at {HostName}:{Port} is not the one pinned in {KnownHostsFile} when the cluster "
                    + "first reached it; the connection is refused. If the node was reinstalled, check its new key and remove its old "
                    + $"line (ssh-keygen -R '{(Port == 22 ? HostName : $"[{HostName}]:{Port}")}' -f {KnownHostsFile}).", failure)
                { ErrorId = ErrorIds.HostKeyChanged };
            return reason.Length > 0 ? reason : null;
        }
        catch (Exception e) when (e is TimeoutException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>Paths that end up in ssh and sshd command lines and config files, where whitespace, quotes and % are syntax.</summary>
internal static class SshPaths
{
    public static string Check(string path, string parameter)
    {
        foreach (var c in path)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or '@' or ',' or ':'))
                throw new ArgumentException(
                    $"The path '{path}' contains '{c}'; ssh and sshd read paths in their configuration as words with % and ~ expansion, " +
                    "so use a folder whose path has only letters, digits and / . _ - + @ , :", parameter);
        }
        return path;
    }
}
