namespace VolumeManager.Engine.Checks;

/// <summary>The stable error ids users and scripts rely on (docs/API.md "Error ids").</summary>
public static class ErrorIds
{
    public const string InvalidName = nameof(InvalidName);
    public const string InvalidSize = nameof(InvalidSize);
    public const string DiskGroupNameExists = nameof(DiskGroupNameExists);
    public const string PrivateDiskGroupNameConflict = nameof(PrivateDiskGroupNameConflict);
    public const string DiskGroupNotFound = nameof(DiskGroupNotFound);
    public const string DiskGroupHasVolumes = nameof(DiskGroupHasVolumes);
    public const string DiskNotFound = nameof(DiskNotFound);
    public const string DiskNotAccessible = nameof(DiskNotAccessible);
    public const string DiskInUse = nameof(DiskInUse);
    public const string VolumeNameExists = nameof(VolumeNameExists);
    public const string VolumeNotFound = nameof(VolumeNotFound);
    public const string InsufficientSpace = nameof(InsufficientSpace);
    public const string LastPlex = nameof(LastPlex);
    public const string DiskHasSubdisks = nameof(DiskHasSubdisks);
    public const string AgentNotRunning = nameof(AgentNotRunning);
    public const string AgentWentAway = nameof(AgentWentAway);
    public const string NodeLeft = nameof(NodeLeft);
    public const string MasterChanged = nameof(MasterChanged);
    public const string ClusterBusy = nameof(ClusterBusy);
    public const string StaleGeneration = nameof(StaleGeneration);
    public const string NoQuorum = nameof(NoQuorum);
    public const string TransactionAborted = nameof(TransactionAborted);
    public const string EndpointUnreachable = nameof(EndpointUnreachable);
    public const string AgentHealthy = nameof(AgentHealthy);
    /// <summary>Not a failure: how the transaction of a -CheckOnly proposal ends once its checks have run. It is no node's last abort reason.</summary>
    public const string CheckedOnly = nameof(CheckedOnly);
    // Volumes, plexes and disks of a group (issue 4).
    /// <summary>A mirror count below 1 or above <see cref="Allocation.Allocator.MaxPlexes"/>.</summary>
    public const string InvalidMirrorCount = nameof(InvalidMirrorCount);
    /// <summary>More mirrors than the group has distinct disks for (each plex on disks no other plex of the volume uses).</summary>
    public const string InsufficientDisks = nameof(InsufficientDisks);
    /// <summary>Removing a disk group's last disk.</summary>
    public const string LastDisk = nameof(LastDisk);
    public const string PlexNotFound = nameof(PlexNotFound);
    /// <summary>A volume read or write failed: its disks returned I/O errors on every plex that could serve it, or the request was not aligned for a block device.</summary>
    public const string VolumeIoFailed = nameof(VolumeIoFailed);
    public const string InvalidPlexState = nameof(InvalidPlexState);
    /// <summary>A proposal's subdisk layout does not fit the node's copy of the disk group (or carries none).</summary>
    public const string InvalidLayout = nameof(InvalidLayout);
    // Nodes on their own hosts (issue 13).
    /// <summary>A command that needs root (network namespaces) run by another user.</summary>
    public const string NotRoot = nameof(NotRoot);
    /// <summary>A node's SSH host key is not the one pinned when the cluster first reached it.</summary>
    public const string HostKeyChanged = nameof(HostKeyChanged);
    /// <summary>A replayed, reordered or redirected interconnect frame or handshake was refused.</summary>
    public const string ReplayRefused = nameof(ReplayRefused);
    // Growing and shrinking the cluster online (issue 13).
    /// <summary>Add-VmNode of a name (or interconnect address) the cluster already has.</summary>
    public const string NodeExists = nameof(NodeExists);
    /// <summary>A node name the cluster does not define.</summary>
    public const string NodeNotFound = nameof(NodeNotFound);
    /// <summary>Remove-VmNode -Permanent of the master: the master coordinates the change that would remove it.</summary>
    public const string NodeIsMaster = nameof(NodeIsMaster);
    /// <summary>Add-VmNode of a new node on another host without its -Endpoint and -Address.</summary>
    public const string NodeAddressMissing = nameof(NodeAddressMissing);
    /// <summary>A new node's host that already holds another cluster's definition or key.</summary>
    public const string HostInAnotherCluster = nameof(HostInAnotherCluster);
    /// <summary>A new node's host names itself otherwise (its short host name, or VM_NODE in its endpoint) than the node Add-VmNode adds.</summary>
    public const string NodeNameMismatch = nameof(NodeNameMismatch);
    // Disk failures (issue 12).
    /// <summary>A volume's I/O failed because a disk under it failed and no plex could take the request (the last plex, or the Local detach policy).</summary>
    public const string DiskFailed = nameof(DiskFailed);
    /// <summary>A detach under the Local policy, refused by a node that still reaches the disk.</summary>
    public const string DiskStillAccessible = nameof(DiskStillAccessible);
    public const string InvalidDetachPolicy = nameof(InvalidDetachPolicy);
    // Serial split brain and configuration backup (issue 12).
    /// <summary>An import found configuration copies of the group that diverged (neither descends from the other).</summary>
    public const string SerialSplitBrain = nameof(SerialSplitBrain);
    /// <summary>No configuration backup of the group at the generation asked for.</summary>
    public const string BackupNotFound = nameof(BackupNotFound);
    /// <summary>A backup's disks are not the group's disks as a node knows and sees them.</summary>
    public const string BackupDiskMismatch = nameof(BackupDiskMismatch);
    // Tasks and dirty region logs (issue 12).
    /// <summary>No running or held task of that id on the node asked (or it has finished).</summary>
    public const string TaskNotFound = nameof(TaskNotFound);
    /// <summary>A task control the task's state does not allow (suspending a stopped task, stopping a recovery).</summary>
    public const string InvalidTaskState = nameof(InvalidTaskState);
    /// <summary>A -Log value other than Drl or None.</summary>
    public const string InvalidLogType = nameof(InvalidLogType);
}
