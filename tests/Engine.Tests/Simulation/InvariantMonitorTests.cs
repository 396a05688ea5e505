using VolumeManager.Simulation.Invariants;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>The monitors themselves: each one flags the history it exists to catch, and passes a correct one.</summary>
[Trait("Category", "Simulation")]
public sealed class InvariantMonitorTests
{
    private static readonly Guid Cluster = new("11111111-2222-3333-4444-555555555555");
    private static readonly NodeDatabase Initial = new() { ClusterId = Cluster };

    private static Transaction Tx(string id, long @base, params string[] members) => new()
    {
        Id = id, Scope = TransactionScope.Shared, BaseGeneration = @base, Coordinator = members[0], Members = [.. members],
        Operations = [new CreateDiskGroup { DiskGroup = "dg" + id, Shared = true, Id = new Guid($"00000000-0000-0000-0000-{@base + 1:D12}") }],
    };

    private static TransactionRecord Rec(Transaction tx, TransactionState state, bool decided = false, long? generation = null) => new()
    {
        Transaction = tx, State = state, Decided = decided,
        Generation = generation ?? (state == TransactionState.Committed ? tx.BaseGeneration + 1 : 0),
    };

    [Fact]
    public void A_member_recording_a_commit_at_another_generation_is_caught()
    {
        var tx = Tx("T1", 0, "n1", "n2");
        var ledger = new DecisionLedger(Initial);
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Prepared));
        ledger.RecordPersisted("n2", Rec(tx, TransactionState.Prepared));
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Prepared, decided: true));
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Committed));
        ledger.RecordPersisted("n2", Rec(tx, TransactionState.Committed, generation: 0));

        var violation = Assert.Single(ledger.Violations);
        Assert.Equal(InvariantId.SameConfiguration, violation.Invariant);
        Assert.Equal("n2", violation.Node);
    }

    [Fact]
    public void A_clean_commit_passes()
    {
        var tx = Tx("T1", 0, "n1", "n2");
        var ledger = new DecisionLedger(Initial);
        ledger.PrepareStarted("n1", tx, ["n1", "n2"]);
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Prepared));
        ledger.RecordPersisted("n2", Rec(tx, TransactionState.Prepared));
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Prepared, decided: true));
        ledger.RecordPersisted("n2", Rec(tx, TransactionState.Committed));
        ledger.DatabasePersisted("n2", tx.ApplyTo(Initial, "n2"));
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Committed));
        ledger.DatabasePersisted("n1", tx.ApplyTo(Initial, "n1"));
        ledger.Flush();
        Assert.Empty(ledger.Violations);
    }

    [Fact]
    public void Commit_on_one_node_and_abort_on_another_is_flagged()
    {
        var tx = Tx("T1", 0, "n1", "n2");
        var ledger = new DecisionLedger(Initial);
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Prepared));
        ledger.RecordPersisted("n2", Rec(tx, TransactionState.Prepared));
        ledger.RecordPersisted("n2", Rec(tx, TransactionState.Committed));
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Aborted), byMaster: true);
        Assert.Contains(ledger.Violations, v => v.Invariant is InvariantId.TcConsistent or InvariantId.DecisionStable);
    }

    [Fact]
    public void A_commit_without_every_member_prepared_is_flagged()
    {
        var tx = Tx("T1", 0, "n1", "n2", "n3");
        var ledger = new DecisionLedger(Initial);
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Prepared));
        ledger.RecordPersisted("n2", Rec(tx, TransactionState.Prepared));
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Prepared, decided: true));
        Assert.Contains(ledger.Violations, v => v.Invariant == InvariantId.CommitNeedsAllPrepared && v.Message.Contains("n3"));
    }

    [Fact]
    public void Prepare_sent_to_fewer_than_the_membership_is_flagged()
    {
        var ledger = new DecisionLedger(Initial);
        ledger.PrepareStarted("n1", Tx("T1", 0, "n1", "n2"), ["n1", "n2", "n4"]);
        Assert.Contains(ledger.Violations, v => v.Invariant == InvariantId.CommitNeedsAllPrepared && v.Message.Contains("n4"));
    }

    [Fact]
    public void A_decision_that_changes_on_a_node_is_flagged()
    {
        var tx = Tx("T1", 0, "n1");
        var ledger = new DecisionLedger(Initial);
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Aborted));
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Committed));
        Assert.Contains(ledger.Violations, v => v.Invariant == InvariantId.DecisionStable);
    }

    [Fact]
    public void A_configuration_no_commit_produced_is_flagged()
    {
        var ledger = new DecisionLedger(Initial);
        ledger.DatabasePersisted("n1", Tx("T9", 0, "n1").ApplyTo(Initial, "n1"));
        ledger.Flush();
        Assert.Empty(ledger.Violations); // held back: the commit's journal record may still come
        ledger.Complete();
        Assert.Contains(ledger.Violations, v => v.Invariant == InvariantId.Durability);
    }

    [Fact]
    public void A_lost_commit_is_flagged()
    {
        var tx = Tx("T1", 0, "n1");
        var ledger = new DecisionLedger(Initial);
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Prepared));
        ledger.RecordPersisted("n1", Rec(tx, TransactionState.Committed));
        ledger.DatabasePersisted("n1", tx.ApplyTo(Initial, "n1"));
        ledger.Flush();
        ledger.DatabasePersisted("n1", Initial);
        ledger.Flush();
        ledger.Restarted("n1", Initial, []);
        Assert.Equal(3, ledger.Violations.Count(v => v.Invariant == InvariantId.Durability));
    }

    [Fact]
    public void Members_with_different_configurations_are_flagged()
    {
        var tx = Tx("T1", 0, "n1", "n2");
        NodeSnapshot Node(string name, NodeDatabase db) => new() { Node = name, Database = db };
        Assert.Empty(ClusterInvariants.SameConfiguration([Node("n1", tx.ApplyTo(Initial, "n1")), Node("n2", tx.ApplyTo(Initial, "n2"))], "test"));
        Assert.Single(ClusterInvariants.SameConfiguration([Node("n1", tx.ApplyTo(Initial, "n1")), Node("n2", Initial)], "test"));
    }

    [Fact]
    public void A_commit_applied_with_io_in_flight_is_flagged()
    {
        var tx = Tx("T1", 0, "n1");
        Assert.Null(ClusterInvariants.NoIoInFlightAtCommit("n1", tx, _ => 0));
        Assert.NotNull(ClusterInvariants.NoIoInFlightAtCommit("n1", tx, g => g == "dgT1" ? 2 : 0));
    }
}
