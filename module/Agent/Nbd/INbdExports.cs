namespace VolumeManager.Agent.Nbd;

/// <summary>What the NBD server serves: exports found by name.</summary>
public interface INbdExports
{
    /// <summary>Every export's name, for NBD_OPT_LIST.</summary>
    IEnumerable<string> Names();

    /// <summary>The export of that name, or null when there is none.</summary>
    INbdExport? Open(string name);
}

/// <summary>
/// One export as a connection sees it: the size at connect time, and the block-device operations. Failures are
/// <see cref="NbdException"/>s carrying the protocol's error value.
/// </summary>
public interface INbdExport
{
    string Name { get; }
    long Size { get; }
    /// <summary>1 when any byte range may be asked for, 512 when the export lies on a block device opened with O_DIRECT.</summary>
    int MinimumBlockSize { get; }
    string Description { get; }

    ValueTask ReadAsync(long offset, Memory<byte> into, CancellationToken ct);
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken ct);
    ValueTask FlushAsync(CancellationToken ct);
    ValueTask TrimAsync(long offset, long length, bool fua, CancellationToken ct);
    ValueTask WriteZeroesAsync(long offset, long length, bool fua, CancellationToken ct);
}

/// <summary>A request failed with an NBD error value (EIO, EINVAL, ENOSPC, ...) and a message for the client's user.</summary>
public sealed class NbdException(uint error, string message, Exception? inner = null) : Exception(message, inner)
{
    public uint Error { get; } = error;
}
