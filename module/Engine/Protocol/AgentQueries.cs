namespace VolumeManager.Engine.Protocol;

/// <summary>The configuration copies in the private regions of every disk the node can open, damaged ones included (answered by the agent host, from the disks).</summary>
public sealed class DiskCopiesQuery : ControlRequest
{
    /// <summary>Only the disks whose identity names this group (and those whose identity is unreadable); null for all.</summary>
    public string? DiskGroup { get; set; }
}

/// <summary>What the node's kernel is doing and has done: plex resynchronisations and I/O freezes (answered by the agent host).</summary>
public sealed class KernelQuery : ControlRequest { }

/// <summary>The configuration backups this node keeps (answered by the agent host, from its state directory).</summary>
public sealed class ConfigBackupsQuery : ControlRequest
{
    /// <summary>Only this group's backups; null for every group's.</summary>
    public string? DiskGroup { get; set; }
    /// <summary>Only this generation, with the configuration itself (<see cref="Storage.ConfigBackup.Group"/>); null for the list.</summary>
    public long? Generation { get; set; }
}
/// <summary>Suspend-VmTask, Resume-VmTask, Stop-VmTask, Set-VmTask: a change to one task of the node's kernel (answered by the agent host with the task as it then stands, in <see cref="ControlResponse.Kernel"/>).</summary>
public sealed class TaskControlRequest : ControlRequest
{
    public string TaskId { get; set; } = "";
    public TaskAction Action { get; set; }
    /// <summary>For <see cref="TaskAction.SetRate"/>: bytes per second, 0 for no limit.</summary>
    public long MaxRateBytes { get; set; }
}

public enum TaskAction { Suspend, Resume, Stop, SetRate }
