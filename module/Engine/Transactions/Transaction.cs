using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.Transactions;

public enum TransactionScope { Shared, Private }

/// <summary>A proposed reconfiguration: what it changes, against which generation, among which members.</summary>
public sealed class Transaction
{
    public string Id { get; set; } = "";
    public TransactionScope Scope { get; set; }
    public string? Owner { get; set; }
    public long BaseGeneration { get; set; }
    public string Initiator { get; set; } = "";
    public string Coordinator { get; set; } = "";
    public List<string> Members { get; set; } = [];
    public List<Operation> Operations { get; set; } = [];
    public DateTimeOffset Started { get; set; }

    public IEnumerable<string> DiskGroups => Operations.Select(o => o.DiskGroup).Where(g => g.Length > 0).Distinct();
    public string Describe() => string.Join("; ", Operations.Select(o => o.Describe()));

    /// <summary>The database after this transaction commits on <paramref name="node"/>.</summary>
    public NodeDatabase ApplyTo(NodeDatabase db, string node)
    {
        var next = db.CopyForChange();
        if (Scope == TransactionScope.Shared)
        {
            next.Generation = BaseGeneration + 1;
            ApplyOperations(next.Shared, next.Generation);
        }
        else if (Owner == node)
        {
            next.PrivateGeneration++;
            ApplyOperations(next.Private, next.PrivateGeneration);
        }
        return next;
    }

    /// <summary>The groups the operations name are copied before they change; the others stay the very objects they were.</summary>
    private void ApplyOperations(List<DiskGroup> groups, long generation)
    {
        DiskGroup.CopyForChange(groups, DiskGroups.ToList());
        foreach (var op in Operations) op.ApplyTo(groups, generation);
    }
}
