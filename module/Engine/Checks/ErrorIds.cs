namespace VolumeManager.Engine.Checks;

/// <summary>The stable error ids users and scripts rely on (API.md).</summary>
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
}
