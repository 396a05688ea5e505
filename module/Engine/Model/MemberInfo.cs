namespace VolumeManager.Engine.Model;

public enum MemberState { Joining, Joined, Down, Left }

public enum MemberRole { Master, Slave }

/// <summary>One node as the membership records it.</summary>
public sealed class MemberInfo
{
    public string Name { get; set; } = "";
    public int Rank { get; set; }
    public string Address { get; set; } = "";
    public MemberState State { get; set; }
    public int ProcessId { get; set; }
    public long Generation { get; set; }
    public string? LastAbortReason { get; set; }

    public MemberInfo Clone() => (MemberInfo)MemberwiseClone();
}
