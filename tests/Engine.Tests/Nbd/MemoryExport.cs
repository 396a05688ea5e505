using VolumeManager.Agent.Nbd;

namespace VolumeManager.Engine.Tests.Nbd;

/// <summary>An export held in memory, for the NBD server's protocol tests; reads of <see cref="HeldOffset"/> wait for <see cref="Release"/>.</summary>
internal sealed class MemoryExport(string name, int size, int minimumBlockSize = 1) : INbdExport
{
    private readonly byte[] data = new byte[size];
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;
    public long Size => data.Length;
    public int MinimumBlockSize { get; } = minimumBlockSize;
    public string Description => "in memory";
    public long HeldOffset { get; set; } = -1;
    public int Flushes;

    public void Release() => released.TrySetResult();

    public async ValueTask ReadAsync(long offset, Memory<byte> into, CancellationToken ct)
    {
        if (offset == HeldOffset) await released.Task.WaitAsync(ct);
        lock (data) data.AsSpan((int)offset, into.Length).CopyTo(into.Span);
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> bytes, bool fua, CancellationToken ct)
    {
        lock (data) bytes.Span.CopyTo(data.AsSpan((int)offset));
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref Flushes);
        return ValueTask.CompletedTask;
    }

    public ValueTask TrimAsync(long offset, long length, bool fua, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask WriteZeroesAsync(long offset, long length, bool fua, CancellationToken ct)
    {
        lock (data) data.AsSpan((int)offset, (int)length).Clear();
        return ValueTask.CompletedTask;
    }
}

internal sealed class MemoryExports(params MemoryExport[] exports) : INbdExports
{
    public IEnumerable<string> Names() => exports.Select(e => e.Name);
    public INbdExport? Open(string name) => exports.FirstOrDefault(e => e.Name == name);
}
