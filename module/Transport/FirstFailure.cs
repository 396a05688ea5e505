namespace VolumeManager.Transport;

/// <summary>Records why a connection ended (the first reason wins) and cancels its work.</summary>
internal sealed class FirstFailure(CancellationTokenSource connection)
{
    private string? reason;

    public string? Reason => Volatile.Read(ref reason);

    public void Set(string why)
    {
        Interlocked.CompareExchange(ref reason, why, null);
        connection.Cancel();
    }
}
