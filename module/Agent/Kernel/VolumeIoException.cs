namespace VolumeManager.Agent.Kernel;

/// <summary>Why a volume request failed, for the caller to map onto its own errors (an NBD errno, an error id).</summary>
public enum VolumeIoFailure
{
    /// <summary>The disk group or volume does not exist on this node (any more).</summary>
    NotFound,
    /// <summary>The range runs past the end of the volume.</summary>
    OutOfRange,
    /// <summary>A block device (O_DIRECT) needs 512-byte aligned requests.</summary>
    Unaligned,
    /// <summary>A disk returned an error and no other plex could serve the request.</summary>
    DiskError,
}

public sealed class VolumeIoException(VolumeIoFailure failure, string errorId, string message, Exception? inner = null)
    : IOException(message, inner)
{
    public VolumeIoFailure Failure { get; } = failure;
    public string ErrorId { get; } = errorId;
}

/// <summary>A disk of a plex failed an I/O; carries the disk's name up to where the plex is known.</summary>
public sealed class DiskIoException(string disk, IOException inner) : IOException($"disk '{disk}': {inner.Message}", inner)
{
    public string Disk { get; } = disk;
}
