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

    /// <summary>"local", "ssh://user@host:port" or "wsman://computer".</summary>
    public override string ToString() => Kind switch
    {
        EndpointKind.Ssh => $"ssh://{(User is null ? "" : User + "@")}{Host}:{Port}",
        EndpointKind.WSMan => $"wsman://{ComputerName}",
        _ => "local",
    };
}
