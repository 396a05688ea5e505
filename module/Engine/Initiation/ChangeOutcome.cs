using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Initiation;

public enum ChangeStage { LocalCheck, Begin, NodeCheck, Commit, Done }

/// <summary>How a change ended: where it stopped, every node's check result, and one failure per failing node.</summary>
public sealed class ChangeOutcome
{
    public bool Succeeded { get; init; }
    public ChangeStage Stage { get; init; }
    public Transaction? Transaction { get; init; }
    public TransactionRecord? Record { get; init; }
    public List<NodeCheckResult> Checks { get; init; } = [];
    public List<NodeFailure> Failures { get; init; } = [];
    /// <summary>What went wrong on the way to a success (the master changed, but the change was completed).</summary>
    public List<NodeFailure> Warnings { get; init; } = [];
}
