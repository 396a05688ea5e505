namespace VolumeManager.Engine.Model;

/// <summary>What one disk's private region says about its owning disk group: the copy of the group's configuration, or why it cannot be read.</summary>
public sealed class DiskCopy
{
    public string Path { get; set; } = "";
    /// <summary>Empty when the disk's identity itself is unreadable.</summary>
    public string DiskName { get; set; } = "";
    public Guid DiskId { get; set; }
    public string DiskGroup { get; set; } = "";
    public Guid DiskGroupId { get; set; }
    public long Generation { get; set; }
    /// <summary>The group as the copy records it; null when <see cref="Problem"/> says why not.</summary>
    public DiskGroup? Group { get; set; }
    public string? Problem { get; set; }

    public bool Readable => Group is not null && Problem is null;
    public bool IdentityKnown => DiskName != "";

    public override string ToString() => IdentityKnown ? $"disk '{DiskName}' ({Path})" : Path;
}
