using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Storage;

/// <summary>
/// One record of a node's journal: a committed change to its database, or a transaction record (one per state
/// change of a transaction on this node, with the generation it reached). <see cref="Sequence"/> numbers them;
/// the snapshot names the last database change it holds.
/// </summary>
public sealed class JournalEntry
{
    public long Sequence { get; set; }
    public DatabaseChange? Database { get; set; }
    public TransactionRecord? Transaction { get; set; }
}
