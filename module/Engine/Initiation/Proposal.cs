using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Initiation;

/// <summary>What the administrator asked for, before it becomes a transaction.</summary>
public sealed class Proposal
{
    public TransactionScope Scope { get; init; }
    /// <summary>The owning node of a private disk group; the initiating node of a shared change.</summary>
    public required string Node { get; init; }
    public required string Initiator { get; init; }
    public List<Operation> Operations { get; init; } = [];
    public bool CheckOnly { get; init; }
    /// <summary>How long to wait for a change in progress to finish before failing with ClusterBusy; zero fails at once.</summary>
    public TimeSpan BusyWait { get; init; }
    /// <summary>The view of <see cref="Node"/> its caller has just read for this change (to resolve its target); read again when null.</summary>
    public ClusterView? View { get; init; }
}
