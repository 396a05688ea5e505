using VolumeManager.Engine.Model;

namespace VolumeManager.Cmdlets.Objects;

/// <summary>Volumes and plexes of the engine to the objects users see.</summary>
internal static class VolumeMapper
{
    public static VmVolume ToObject(DiskGroup group, Volume volume, string node, string? stateDirectory = null) => new()
    {
        NbdUri = stateDirectory is null ? "" : NbdUri(group.Name, volume.Name, stateDirectory),
        DiskGroup = group.Name, Name = volume.Name, Size = volume.SizeBytes, Log = volume.Log,
        Plexes = volume.Plexes.Select(p => ToObject(group, volume, p, node)).ToArray(),
        State = StateOf(volume),
        Disks = volume.DiskNames.ToArray(),
        Generation = group.Generation,
        Node = node,
    };

    public static VmPlex ToObject(DiskGroup group, Volume volume, Plex plex, string node) => new()
    {
        DiskGroup = group.Name, Volume = volume.Name, Name = plex.Name, State = plex.State, Size = plex.SizeBytes,
        DetachedBy = plex.Detach?.Node, FailedDisk = plex.Detach?.Disk, DetachReason = plex.Detach?.Reason,
        Subdisks = plex.Subdisks.Select(s => new VmSubdisk { Name = s.Name, Disk = s.Disk, Offset = s.Offset, Length = s.Length, RelocatedFrom = s.RelocatedFrom }).ToArray(),
        Disks = plex.DiskNames.ToArray(),
        Node = node,
    };

    /// <summary>nbd+unix:///dg/vol?socket=/path/nbd.sock, the socket path percent-encoded where a URI needs it.</summary>
    public static string NbdUri(string diskGroup, string volume, string stateDirectory)
    {
        var socket = string.Join('/', new Engine.Cluster.StateFiles(stateDirectory).Nbd.Split('/').Select(Uri.EscapeDataString));
        return $"nbd+unix:///{Uri.EscapeDataString(diskGroup)}/{Uri.EscapeDataString(volume)}?socket={socket}";
    }

    private static string StateOf(Volume volume) =>
        !volume.ActivePlexes.Any() ? "Stale" : volume.Plexes.All(p => p.IsActive) ? "Active" : "Degraded";
}
