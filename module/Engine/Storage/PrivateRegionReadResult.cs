namespace VolumeManager.Engine.Storage;

public enum PrivateRegionStatus { Valid, NotInitialized, Corrupt }

/// <summary>What reading a private region found: valid content, no private region at all, or a damaged one and why.</summary>
public sealed class PrivateRegionReadResult
{
    private PrivateRegionReadResult(PrivateRegionStatus status, PrivateRegionContent? content, string? reason)
    {
        Status = status;
        Content = content;
        Reason = reason;
    }

    public PrivateRegionStatus Status { get; }
    /// <summary>Set only when <see cref="Valid"/>.</summary>
    public PrivateRegionContent? Content { get; }
    /// <summary>Why the region is corrupt; null otherwise.</summary>
    public string? Reason { get; }

    public bool Valid => Status == PrivateRegionStatus.Valid;
    public bool NotInitialized => Status == PrivateRegionStatus.NotInitialized;
    public bool Corrupt => Status == PrivateRegionStatus.Corrupt;

    public static PrivateRegionReadResult Read(PrivateRegionContent content) => new(PrivateRegionStatus.Valid, content, null);
    public static PrivateRegionReadResult Blank() => new(PrivateRegionStatus.NotInitialized, null, null);
    public static PrivateRegionReadResult Damaged(string reason) => new(PrivateRegionStatus.Corrupt, null, reason);

    public override string ToString() => Status == PrivateRegionStatus.Corrupt ? $"Corrupt: {Reason}" : Status.ToString();
}
