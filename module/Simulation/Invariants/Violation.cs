namespace VolumeManager.Simulation.Invariants;

/// <summary>The invariants of docs/ARCHITECTURE.md "Invariants", numbered as there, plus liveness.</summary>
public enum InvariantId
{
    /// <summary>1. After every completed change all members have the same generation and byte-identical shared configuration.</summary>
    SameConfiguration = 1,
    /// <summary>2. No node commits T while another member aborts T (TLA+ TCConsistent).</summary>
    TcConsistent = 2,
    /// <summary>3. No commit unless every member of the membership at prepare time prepared T.</summary>
    CommitNeedsAllPrepared = 3,
    /// <summary>4. A new master never aborts a T that any node committed; a decision never changes.</summary>
    DecisionStable = 4,
    /// <summary>5. No kernel applies a commit while I/O to an affected disk group is in flight.</summary>
    NoIoInFlightAtCommit = 5,
    /// <summary>6. A committed change survives an agent restart; a change never committed never appears.</summary>
    Durability = 6,
    /// <summary>7. Data written to a volume before a change reads back unchanged after it, on every node.</summary>
    DataUnchanged = 7,
    /// <summary>8. Once the recovery of a mirror's dirty regions has finished, all its Active plexes hold the same data in every block.</summary>
    MirrorsAgree = 8,
    /// <summary>9. After every completed change, and at rest, the members agree on the cluster definition and the membership the quorum counts.</summary>
    SameDefinition = 9,
    /// <summary>The disk copies one cluster writes never diverge (serial split brain needs two databases).</summary>
    CopiesOnOneLine = 20,
    /// <summary>Once faults stop, every change ends Committed or Aborted and all members converge.</summary>
    Liveness = 100,
    /// <summary>A plex is marked Active only once every byte of its volume was copied into it since it became Stale (issue 14).</summary>
    ResyncComplete = 101,
}

/// <summary>One broken invariant: which, on which node, about which transaction, and a sentence saying what was seen.</summary>
public sealed record Violation(InvariantId Invariant, string Message, string? Node = null, string? TransactionId = null)
{
    public override string ToString() => $"invariant {(int)Invariant} {Invariant}: {Message}";
}
