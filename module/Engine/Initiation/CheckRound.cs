using VolumeManager.Engine.Checks;

namespace VolumeManager.Engine.Initiation;

/// <summary>One round of node checks of a transaction: a call per member, started as soon as it can be, and let go together.</summary>
internal sealed class CheckRound : IDisposable
{
    private readonly Dictionary<string, Task<NodeCheckResult>> checks = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource cancel;

    public CheckRound(CancellationToken ct) => cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);

    /// <summary>The token the round's calls run under: cancelled when the round is abandoned or the change stopped.</summary>
    public CancellationToken Token => cancel.Token;

    public int Count => checks.Count;

    public void Add(string node, Task<NodeCheckResult> check) => checks[node] = check;

    public bool Has(string node) => checks.ContainsKey(node);

    public Task<NodeCheckResult> Of(string node) => checks[node];

    public Task All => Task.WhenAll(checks.Values);

    /// <summary>The node's answer, if it has given one.</summary>
    public NodeCheckResult? Answer(string node) => checks.TryGetValue(node, out var check) && check.IsCompletedSuccessfully ? check.Result : null;

    /// <summary>The nodes that have answered.</summary>
    public IEnumerable<string> Answered => checks.Where(c => c.Value.IsCompletedSuccessfully).Select(c => c.Key);

    /// <summary>Stops waiting: the calls still out are cancelled (a hung endpoint's call ends when its connection does).</summary>
    public void Abandon()
    {
        cancel.Cancel();
        foreach (var check in checks.Values) _ = check.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
    }

    /// <summary>
    /// The source goes once every call has ended (a call still out may yet register on its token), at once when none
    /// is out: a source still linked to the change's token would make a later stop run its callbacks on the pool.
    /// </summary>
    public void Dispose()
    {
        if (All.IsCompleted) cancel.Dispose();
        else _ = DisposeWhenEndedAsync();
    }

    private async Task DisposeWhenEndedAsync()
    {
        try { await All; }
        catch (Exception) { }   // the calls' own awaiters see their failures
        cancel.Dispose();
    }
}
