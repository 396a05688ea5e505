namespace VolumeManager.Engine.Protocol;

/// <summary>The configuration copies in the private regions of every disk the node can open, damaged ones included (answered by the agent host, from the disks).</summary>
public sealed class DiskCopiesQuery : ControlRequest
{
    /// <summary>Only the disks whose identity names this group (and those whose identity is unreadable); null for all.</summary>
    public string? DiskGroup { get; set; }
}

/// <summary>What the node's kernel is doing and has done: plex resynchronisations and I/O freezes (answered by the agent host).</summary>
public sealed class KernelQuery : ControlRequest { }
