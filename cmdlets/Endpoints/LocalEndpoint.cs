using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;

namespace VolumeManager.Cmdlets.Endpoints;

/// <summary>
/// A node endpoint that is a child pwsh on this machine (the <c>local</c> transport):
/// <see cref="PowerShellProcessInstance"/> + <see cref="RunspaceFactory.CreateOutOfProcessRunspace(TypeTable, PowerShellProcessInstance)"/>.
/// The node's settings reach the child as its process environment (set on the child's own start info, so
/// concurrent opens never race and no value is ever part of script text). Closing ends the child process;
/// closing only the runspace would leave it running.
/// </summary>
public sealed class LocalEndpoint : NodeEndpoint
{
    private PowerShellProcessInstance? process;

    /// <param name="node">The node's name.</param>
    /// <param name="environment">Variables the child gets on top of this process's environment
    /// (e.g. VM_NODE, VM_AGENT_SOCKET, VM_AGENT_TOKEN_FILE, PSModulePath).</param>
    public LocalEndpoint(string node, IReadOnlyDictionary<string, string> environment) : base(node)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var (name, value) in environment)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('=') || name.Contains('\0'))
                throw new ArgumentException($"'{name}' is not a valid environment variable name.", nameof(environment));
            if (value is null || value.Contains('\0'))
                throw new ArgumentException($"The value of environment variable '{name}' must be a string without NUL characters.", nameof(environment));
        }
        Environment = new Dictionary<string, string>(environment, StringComparer.Ordinal);
    }

    public override string TransportName => "VmLocal";

    /// <summary>The variables set in the child, on top of this process's environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The pwsh launcher to start; by default PowerShell's own choice (the pwsh next to the running PowerShell).</summary>
    public string? PwshPath { get; init; }

    /// <summary>A session configuration (.pssc) the child applies (<c>pwsh -ConfigurationFile</c>): the node's restricted endpoint.</summary>
    public string? ConfigurationFile { get; init; }

    /// <summary>The child's working directory; by default this process's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The child pwsh's process id once the endpoint has opened; it stays set after closing, so callers can check the child is gone.</summary>
    public int? ProcessId { get; private set; }

    /// <summary>Whether the child pwsh is running.</summary>
    public bool IsRunning
    {
        get
        {
            try { return process is { HasExited: false }; }
            catch (InvalidOperationException) { return false; }   // not started
        }
    }

    protected override Runspace CreateRunspace(TypeTable types, PSHost? host)
    {
        // No initialization script: nothing about the node is script text. The start info is this child's own,
        // so its environment is set here without touching this process's environment.
        var instance = new PowerShellProcessInstance(null, null, null, false, WorkingDirectory);
        var start = instance.Process.StartInfo;
        if (PwshPath is not null) start.FileName = PwshPath;
        if (ConfigurationFile is not null) { start.ArgumentList.Add("-ConfigurationFile"); start.ArgumentList.Add(ConfigurationFile); }
        foreach (var (name, value) in Environment) start.Environment[name] = value;
        process = instance;
        return RunspaceFactory.CreateOutOfProcessRunspace(types, instance);
    }

    protected override void OnOpened() => ProcessId = process?.Process.Id;

    protected override void EndTransport()
    {
        // PowerShellProcessInstance.Dispose kills the child if it is still running.
        if (Interlocked.Exchange(ref process, null) is not { } instance) return;
        if (ProcessId is null)
        {
            try { ProcessId = instance.Process.Id; }   // an open that failed or was cancelled after the child started
            catch (InvalidOperationException) { }      // never started
        }
        instance.Dispose();
    }
}
