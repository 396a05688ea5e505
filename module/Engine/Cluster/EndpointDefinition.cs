namespace VolumeManager.Engine.Cluster;

public enum EndpointKind { Local, Ssh, WSMan }

/// <summary>How the admin plane reaches a node: a local child pwsh, PowerShell over SSH, or WSMan.</summary>
public sealed class EndpointDefinition
{
    public const int DefaultSshPort = 22;

    public EndpointKind Kind { get; set; }
    /// <summary>SSH: the host to connect to.</summary>
    public string? Host { get; set; }
    /// <summary>SSH: the port; 22 when not given.</summary>
    public int Port { get; set; } = DefaultSshPort;
    /// <summary>SSH: the user; the ssh client's default when not given.</summary>
    public string? User { get; set; }
    /// <summary>SSH: the private key file; the ssh client's default keys when not given.</summary>
    public string? KeyFile { get; set; }
    /// <summary>WSMan: the computer name.</summary>
    public string? ComputerName { get; set; }

    public static EndpointDefinition Local() => new() { Kind = EndpointKind.Local };

    public static EndpointDefinition Ssh(string host, int port = DefaultSshPort, string? user = null, string? keyFile = null) =>
        new() { Kind = EndpointKind.Ssh, Host = host, Port = port, User = user, KeyFile = keyFile };

    public static EndpointDefinition WSMan(string computerName) => new() { Kind = EndpointKind.WSMan, ComputerName = computerName };

    /// <summary>
    /// An endpoint as <see cref="ToString"/> writes it: "ssh://[user@]host[:port]" or "wsman://computer"; null for
    /// anything else (local endpoints exist only on local clusters).
    /// </summary>
    public static EndpointDefinition? Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0) return null;
        return uri.Scheme switch
        {
            "ssh" => Ssh(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? DefaultSshPort : uri.Port, uri.UserInfo.Length == 0 ? null : Uri.UnescapeDataString(uri.UserInfo)),
            "wsman" when uri.UserInfo.Length == 0 && uri.Port < 0 => WSMan(uri.Host),
            _ => null,
        };
    }

    /// <summary>"local", "ssh://user@host:port" or "wsman://computer".</summary>
    public override string ToString() => Kind switch
    {
        EndpointKind.Ssh => $"ssh://{(User is null ? "" : User + "@")}{Host}:{Port}",
        EndpointKind.WSMan => $"wsman://{ComputerName}",
        _ => "local",
    };
}
