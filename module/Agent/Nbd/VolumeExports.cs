using VolumeManager.Agent.Kernel;
using static VolumeManager.Agent.Nbd.NbdProtocol;

namespace VolumeManager.Agent.Nbd;

/// <summary>The kernel's volumes as NBD exports named &lt;diskgroup&gt;/&lt;volume&gt;, served through the data path.</summary>
public sealed class VolumeExports(VolumeIo io) : INbdExports
{
    public IEnumerable<string> Names() => io.Volumes().Select(v => $"{v.DiskGroup}/{v.Volume}");

    public INbdExport? Open(string name)
    {
        var slash = name.IndexOf('/');
        if (slash <= 0 || slash == name.Length - 1 || name.IndexOf('/', slash + 1) >= 0) return null;
        var (group, volume) = (name[..slash], name[(slash + 1)..]);
        return io.Find(group, volume) is { } layout ? new VolumeExport(io, name, group, volume, layout.Size, layout.Direct) : null;
    }
}

/// <summary>One volume for one connection: its size as it was when the connection opened.</summary>
internal sealed class VolumeExport(VolumeIo io, string name, string diskGroup, string volume, long size, bool direct) : INbdExport
{
    public string Name { get; } = name;
    public long Size { get; } = size;
    public int MinimumBlockSize { get; } = direct ? Storage.DiskHandle.DirectAlignment : 1;
    public string Description => $"volume {volume} of disk group {diskGroup}";

    public async ValueTask ReadAsync(long offset, Memory<byte> into, CancellationToken ct)
    {
        try { await io.ReadAsync(diskGroup, volume, offset, into, ct); }
        catch (VolumeIoException e) { throw Map(e, write: false); }
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken ct)
    {
        try { await io.WriteAsync(diskGroup, volume, offset, data, fua, ct); }
        catch (VolumeIoException e) { throw Map(e, write: true); }
    }

    public async ValueTask FlushAsync(CancellationToken ct)
    {
        try { await io.FlushAsync(diskGroup, volume, ct); }
        catch (VolumeIoException e) { throw Map(e, write: true); }
    }

    public async ValueTask TrimAsync(long offset, long length, bool fua, CancellationToken ct)
    {
        try { await io.DiscardAsync(diskGroup, volume, offset, length, fua, ct); }
        catch (VolumeIoException e) { throw Map(e, write: false); }
    }

    public async ValueTask WriteZeroesAsync(long offset, long length, bool fua, CancellationToken ct)
    {
        try { await io.ZeroAsync(diskGroup, volume, offset, length, fua, ct); }
        catch (VolumeIoException e) { throw Map(e, write: true); }
    }

    private static NbdException Map(VolumeIoException e, bool write) => new(e.Failure switch
    {
        VolumeIoFailure.OutOfRange => write ? ENOSPC : EINVAL,
        VolumeIoFailure.Unaligned => EINVAL,
        _ => EIO,
    }, e.Message, e);
}
