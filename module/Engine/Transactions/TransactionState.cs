namespace VolumeManager.Engine.Transactions;

public enum TransactionState { Proposed, Checking, Preparing, Prepared, Committed, Aborted }

/// <summary>What one node knows of a transaction: the journal entry and what Get-VmTransaction shows.</summary>
public sealed class TransactionRecord
{
    public Transaction Transaction { get; set; } = new();
    public TransactionState State { get; set; }
    public long Generation { get; set; }
    public List<string> FailedNodes { get; set; } = [];
    public string? ErrorId { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset Updated { get; set; }
    public double FreezeMilliseconds { get; set; }
    /// <summary>
    /// On the coordinator: the commit decision is durable, notifications may be under way. On another member: the
    /// coordinator said it had decided, passing over a successor, and this member has not been told to commit yet.
    /// </summary>
    public bool Decided { get; set; }
    /// <summary>
    /// On the coordinator: the member it tells first. Named in its prepare record (the successor then), so that after a
    /// restart without a durable decision it knows whom the notice may have reached; with the decision, the successor when
    /// it decided, or the next in succession once that one was passed over.
    /// </summary>
    public string? NotifyFirst { get; set; }
    /// <summary>The phases this node saw the transaction go through, in order; the coordinator also notes each member's Prepared and Committed.</summary>
    public List<TransactionPhase> Phases { get; set; } = [];

    public bool IsFinal => State is TransactionState.Committed or TransactionState.Aborted;

    public TransactionRecord With(TransactionState state, DateTimeOffset now)
    {
        var copy = (TransactionRecord)MemberwiseClone();
        copy.State = state;
        copy.Updated = now;
        copy.FailedNodes = [.. FailedNodes];
        copy.Phases = [.. Phases];
        return copy;
    }
}

/// <summary>One step of a transaction's timeline: the phase (a <see cref="TransactionState"/> name, or Decided), when, and on which node.</summary>
public sealed class TransactionPhase
{
    public string Phase { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public string Node { get; set; } = "";
}
