namespace VolumeManager.Cmdlets.Objects;

/// <summary>A volume as one node's configuration has it.</summary>
public sealed class VmVolume
{
    public string DiskGroup { get; internal set; } = "";
    public string Name { get; internal set; } = "";
    public long Size { get; internal set; }
    public VmPlex[] Plexes { get; internal set; } = [];
    /// <summary>Drl (a dirty region log per node: after a node dies with writes in flight only its dirty regions are copied between plexes) or None.</summary>
    public string Log { get; internal set; } = "None";
    /// <summary>Active: every plex holds current data. Degraded: a plex is Stale (not yet resynchronised). Stale: no plex is Active.</summary>
    public string State { get; internal set; } = "";
    /// <summary>The disks any plex of the volume has subdisks on.</summary>
    public string[] Disks { get; internal set; } = [];
    /// <summary>The disk group's generation when this object was read.</summary>
    public long Generation { get; internal set; }
    /// <summary>The node whose configuration this object was read from.</summary>
    public string Node { get; internal set; } = "";
    /// <summary>
    /// The volume as an NBD export of <see cref="Node"/>'s agent, a URI libnbd clients (qemu, nbdinfo, nbdcopy, fio,
    /// nbdfuse) accept as written: nbd+unix:///&lt;diskgroup&gt;/&lt;volume&gt;?socket=&lt;state directory&gt;/nbd.sock.
    /// A connected client learns a new size after Resize-VmVolume on its next connection.
    /// </summary>
    public string NbdUri { get; internal set; } = "";

    public override string ToString() => Name;
}
