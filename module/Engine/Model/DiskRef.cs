namespace VolumeManager.Engine.Model;

/// <summary>A disk as a disk group records it: its name, identity and usable size, its health, and whether it is a hot spare.</summary>
public sealed class DiskRef
{
    public string Name { get; set; } = "";
    public Guid Id { get; set; }
    public long SizeBytes { get; set; }
    /// <summary>A <see cref="DiskStates"/> name.</summary>
    public string State { get; set; } = DiskStates.Healthy;
    /// <summary>Kept free for relocation: the allocator places new volumes and mirrors elsewhere.</summary>
    public bool Spare { get; set; }

    public DiskRef Clone() => new() { Name = Name, Id = Id, SizeBytes = SizeBytes, State = State, Spare = Spare };

    public bool IsHealthy => State == DiskStates.Healthy;
}

/// <summary>What the cluster knows of a disk's health.</summary>
public static class DiskStates
{
    public const string Healthy = "Healthy";
    /// <summary>A node's kernel saw I/O errors on it: a plex on it was detached.</summary>
    public const string Failing = "Failing";
    /// <summary>A node could not open it at all.</summary>
    public const string Failed = "Failed";

    public static bool IsKnown(string? state) => state is Healthy or Failing or Failed;
}

/// <summary>CVM's disk detach policies for a disk group.</summary>
public static class DetachPolicies
{
    /// <summary>Any node's I/O error on a plex's disk detaches the plex on every node.</summary>
    public const string Global = "Global";
    /// <summary>The node that sees the error fails its own I/O; the plex stays attached while other nodes still reach the disk.</summary>
    public const string Local = "Local";

    public static bool IsKnown(string? policy) => policy is Global or Local;
}
