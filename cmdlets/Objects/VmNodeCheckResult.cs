namespace VolumeManager.Cmdlets.Objects;

public sealed class VmNodeCheckResult
{
    public string Node { get; set; } = "";
    public string TransactionId { get; set; } = "";
    public bool Passed { get; set; }
    public VmCheck[] Checks { get; set; } = [];
    public string Message { get; set; } = "";
}

public sealed class VmCheck
{
    public string Name { get; set; } = "";
    public bool Passed { get; set; }
    public string Message { get; set; } = "";
}
