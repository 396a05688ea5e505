using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Agent.Kernel;

/// <summary>One subdisk of a plex, resolved: where it lies in the plex and where on which open disk.</summary>
public readonly record struct PlexExtent(long PlexStart, long Length, string Disk, DiskHandle Handle, long DiskOffset)
{
    public long PlexEnd => PlexStart + Length;
}

/// <summary>A plex resolved to open disks; its extents lie end to end. <see cref="Unopened"/>: a disk of it would not open here.</summary>
public sealed class PlexLayout(string name, bool active, PlexExtent[] extents, DiskIoException? unopened = null)
{
    public string Name { get; } = name;
    public bool Active { get; } = active;
    public PlexExtent[] Extents { get; } = extents;
    public DiskIoException? Unopened { get; } = unopened;

    /// <summary>Any disk of the plex is a block device opened with O_DIRECT.</summary>
    public bool Direct => Extents.Any(e => e.Handle.Direct);

    public static PlexLayout Resolve(Plex plex, DiskHandles disks)
    {
        var extents = new PlexExtent[plex.Subdisks.Count];
        long start = 0;
        for (var i = 0; i < extents.Length; i++)
        {
            var subdisk = plex.Subdisks[i];
            DiskHandle handle;
            try { handle = disks.Get(subdisk.Disk); }
            catch (IOException e) { return new PlexLayout(plex.Name, plex.IsActive, [], new DiskIoException(subdisk.Disk, e)); }
            extents[i] = new PlexExtent(start, subdisk.Length, subdisk.Disk, handle, PrivateRegion.PublicRegionOffset + subdisk.Offset);
            start += subdisk.Length;
        }
        return new PlexLayout(plex.Name, plex.IsActive, extents);
    }
}

/// <summary>A volume as the data path uses it at one configuration: its size and its attached plexes, active ones first.</summary>
public sealed class VolumeLayout(string diskGroup, string volume, long size, PlexLayout[] plexes)
{
    public string DiskGroup { get; } = diskGroup;
    public string Volume { get; } = volume;
    public long Size { get; } = size;
    public PlexLayout[] Plexes { get; } = plexes;
    public bool Direct { get; } = plexes.Any(p => p.Direct);

    public static VolumeLayout Resolve(DiskGroup group, Volume volume, DiskHandles disks) => new(group.Name, volume.Name, volume.SizeBytes,
        [.. volume.Plexes.Where(p => p.IsAttached).OrderBy(p => p.IsActive ? 0 : 1).Select(p => PlexLayout.Resolve(p, disks))]);
}
