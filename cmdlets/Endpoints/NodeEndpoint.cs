using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;

namespace VolumeManager.Cmdlets.Endpoints;

/// <summary>
/// One cluster node's PowerShell endpoint, opened as a real <see cref="PSSession"/> (usable with
/// Invoke-Command, and whose <see cref="PSSession.Runspace"/> takes <c>PowerShell.Create()</c> pipelines).
/// The transport is the subclass's business; opening, the optional module import, timing and closing are here.
/// Disposing closes the session and ends whatever the transport started (a child pwsh, an ssh client).
/// </summary>
public abstract class NodeEndpoint : IDisposable
{
    private static readonly Lazy<TypeTable> DefaultTypes = new(TypeTable.LoadDefaultTypeFiles);
    private readonly object gate = new();
    private Runspace? runspace;
    private bool started;
    private bool closed;

    protected NodeEndpoint(string node)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(node);
        Node = node;
    }

    /// <summary>The cluster node this endpoint serves.</summary>
    public string Node { get; }

    /// <summary>The transport's name given to PSSession.Create ("VmLocal", "SSH"); PSSession.Transport itself shows PowerShell's own name ("Process", "SSH").</summary>
    public abstract string TransportName { get; }

    /// <summary>The open session; null before <see cref="OpenAsync"/> completes.</summary>
    public PSSession? Session { get; private set; }

    /// <summary>Wall time of the last successful <see cref="OpenAsync"/>, module import included.</summary>
    public TimeSpan OpenTime { get; private set; }

    /// <summary>A module (name or path) to import in the endpoint right after it opens; passed as a parameter, never as script text.</summary>
    public string? ImportModule { get; init; }

    /// <summary>The host that the endpoint's host calls (Write-Host, prompts) go to; null for none. SSH only: PowerShell offers no way to give one to an out-of-process runspace.</summary>
    public PSHost? Host { get; init; }

    /// <summary>Type data for objects coming back; defaults to PowerShell's default type files, loaded once per process.</summary>
    public TypeTable? TypeTable { get; init; }

    /// <summary>How long <see cref="OpenAsync"/> waits for the endpoint before it gives up (module import included).</summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Opens the endpoint. With a <paramref name="cmdlet"/>, the session is also added to that session's
    /// Get-PSSession list (and Remove-PSSession on it closes this endpoint). Call once per instance.
    /// Throws <see cref="EndpointOpenException"/> when the endpoint cannot be opened, after cleaning up.
    /// </summary>
    public async Task<PSSession> OpenAsync(PSCmdlet? cmdlet = null, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(closed, this);
            if (started) throw new InvalidOperationException($"The endpoint of node {Node} was already opened; create a new {GetType().Name} to reconnect.");
            started = true;
        }

        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(OpenTimeout);
        try
        {
            var rs = CreateRunspace(TypeTable ?? DefaultTypes.Value, Host);
            bool closedMeanwhile;
            lock (gate)
            {
                runspace = rs;
                closedMeanwhile = closed;
            }
            if (closedMeanwhile)
            {
                // Close() ran while the runspace was being created: it could not see it.
                rs.Dispose();
                EndTransport();
                throw new ObjectDisposedException(GetType().Name, $"The endpoint of node {Node} was closed while it was opening.");
            }
            rs.StateChanged += OnStateChanged;
            await OpenRunspaceAsync(rs, timeout.Token);
            OnOpened();
            if (ImportModule is { } module) await ImportAsync(rs, module, timeout.Token);
            await RequireNodeCommandsAsync(rs, timeout.Token);
            var session = PSSession.Create(rs, TransportName, cmdlet);
            session.Name = Node;
            Session = session;
            OpenTime = clock.Elapsed;
            return session;
        }
        catch (Exception e)
        {
            Close();
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
            if (e is EndpointOpenException) throw;
            if (e is OperationCanceledException)
                throw new EndpointOpenException(Node, TransportName, $"node {Node}: the {TransportName} endpoint did not open within {OpenTimeout.TotalSeconds:0.#} s.", e);
            var reason = await DiagnoseAsync(e, clock.Elapsed, cancellationToken);
            throw new EndpointOpenException(Node, TransportName,
                reason is null ? $"node {Node}: the {TransportName} endpoint cannot be opened ({Describe(e)})."
                               : $"node {Node}: the {TransportName} endpoint cannot be opened: {reason} ({Describe(e)})", e);
        }
    }

    /// <summary>Closes the session and ends what the transport started. Safe to call more than once, and from any thread.</summary>
    public void Close()
    {
        Runspace? rs;
        lock (gate)
        {
            if (closed) return;
            closed = true;
            rs = runspace;
        }
        try
        {
            if (rs is not null)
            {
                rs.StateChanged -= OnStateChanged;
                if (rs.RunspaceStateInfo.State == RunspaceState.Opened) rs.Close();
                rs.Dispose();
            }
        }
        catch (Exception e) when (e is PSInvalidOperationException or InvalidRunspaceStateException or System.Management.Automation.Remoting.PSRemotingTransportException or ObjectDisposedException)
        {
            // The transport is already gone; ending the process below is what matters.
        }
        finally
        {
            EndTransport();
        }
    }

    public void Dispose()
    {
        Close();
        GC.SuppressFinalize(this);
    }

    /// <summary>Creates the (not yet opened) remote runspace for this transport.</summary>
    protected abstract Runspace CreateRunspace(TypeTable types, PSHost? host);

    /// <summary>After a failed open: the transport's own account of what went wrong, when PowerShell's message does not say; null if none.</summary>
    protected virtual Task<string?> DiagnoseAsync(Exception failure, TimeSpan elapsed, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>Called once the runspace is open, before the module import.</summary>
    protected virtual void OnOpened() { }

    /// <summary>Ends whatever the transport started that closing the runspace leaves behind. May be called more than once, from any thread: make it idempotent.</summary>
    protected virtual void EndTransport() { }

    private void OnStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        // Remove-PSSession, or the other end going away: end the transport too, so no process is left behind.
        if (Session is not null && e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken)
            ThreadPool.QueueUserWorkItem(_ => Close());
    }

    private static async Task OpenRunspaceAsync(Runspace rs, CancellationToken ct)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Watch(object? sender, RunspaceStateEventArgs e)
        {
            switch (e.RunspaceStateInfo.State)
            {
                case RunspaceState.Opened: done.TrySetResult(); break;
                case RunspaceState.Broken or RunspaceState.Closed:
                    done.TrySetException(e.RunspaceStateInfo.Reason ?? new InvalidOperationException($"the runspace is {e.RunspaceStateInfo.State}."));
                    break;
            }
        }
        rs.StateChanged += Watch;
        try
        {
            rs.OpenAsync();
            await done.Task.WaitAsync(ct);
        }
        finally { rs.StateChanged -= Watch; }
    }

    /// <summary>The endpoint must offer the node-side commands (a node's restricted session configuration does); else it is not a VolumeManager node.</summary>
    private async Task RequireNodeCommandsAsync(Runspace rs, CancellationToken ct)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddCommand("Get-Command").AddParameter("Name", NodeSessionConfiguration.NodeCommands).AddParameter("ErrorAction", ActionPreference.SilentlyContinue);
        using var stop = ct.Register(() => ps.BeginStop(null, null));
        var found = (await ps.InvokeAsync()).Select(c => c.Properties["Name"]?.Value as string).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = NodeSessionConfiguration.NodeCommands.Where(c => !found.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new EndpointOpenException(Node, TransportName,
                $"node {Node}: its endpoint does not offer {string.Join(", ", missing)}; start its pwsh with the VolumeManager node session configuration ({NodeSessionConfiguration.FileName}, see README \"Deploying to real hosts\").");
    }

    private async Task ImportAsync(Runspace rs, string module, CancellationToken ct)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddCommand("Import-Module").AddParameter("Name", module).AddParameter("ErrorAction", ActionPreference.Stop);
        using var stop = ct.Register(() => ps.BeginStop(null, null));
        try
        {
            await ps.InvokeAsync();
        }
        catch (RuntimeException e)
        {
            ct.ThrowIfCancellationRequested();   // stopped by the open timeout: say so, not "the pipeline has been stopped"
            throw new EndpointOpenException(Node, TransportName, $"node {Node}: the endpoint opened but cannot import module '{module}' ({e.Message}).", e);
        }
        ct.ThrowIfCancellationRequested();
        if (ps.Streams.Error.Count > 0)
            throw new EndpointOpenException(Node, TransportName, $"node {Node}: the endpoint opened but cannot import module '{module}' ({ps.Streams.Error[0]}).");
    }

    private static string Describe(Exception e) => (e is AggregateException { InnerException: { } inner } ? inner : e).Message.Trim();
}

/// <summary>A node's endpoint could not be opened; the message names the node and the reason.</summary>
public sealed class EndpointOpenException(string node, string transport, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Node { get; } = node;
    public string Transport { get; } = transport;

    /// <summary>The stable error id: EndpointUnreachable, or HostKeyChanged for an SSH node whose pinned key no longer matches.</summary>
    public string ErrorId { get; init; } = Engine.Checks.ErrorIds.EndpointUnreachable;
}
