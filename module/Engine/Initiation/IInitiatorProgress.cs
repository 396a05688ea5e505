namespace VolumeManager.Engine.Initiation;

/// <summary>What the initiator reports as it goes; the cmdlets turn it into Write-Progress.</summary>
public interface IInitiatorProgress
{
    void Stage(ChangeStage stage, string detail);
    void NodeAnswered(string node, bool passed);
    /// <summary>The proposal goes out to these members; each then answers through <see cref="NodeAnswered"/>.</summary>
    void Checking(IReadOnlyList<string> nodes) { }
}
