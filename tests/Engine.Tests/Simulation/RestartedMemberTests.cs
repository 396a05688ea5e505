using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Transactions;
using VolumeManager.Simulation;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>A member that dies after it prepared learns the outcome when it rejoins, and records it as every other member does.</summary>
[Trait("Category", "Simulation")]
public sealed class RestartedMemberTests(ITestOutputHelper output)
{
    [Fact]
    public void A_member_killed_after_it_prepared_records_the_commit_at_the_generation_it_made()
    {
        // The master decides before it sees the victim's connection reset: the victim's Prepared, sent as it dies, and the
        // other members' answers all reach it first. With a reset seen within the network's own delays the outcome is a
        // coin toss between this commit and an abort (AgentWentAway), decided by the seed's schedule.
        var h = new SimHarness(4, configure: o => o.Network.ResetDelay = TimeSpan.FromMilliseconds(50)).Boot();
        var master = h.Master!.Name;
        var victim = h.Master.Machine!.Members.Where(m => m.Name != master).OrderBy(m => m.Rank).Last().Name;
        h.Before(victim, e => e is Send { Message: Prepared }, () => h.Sim.Crash(h[victim]));
        var run = h.CreateShared(master, "dg01", "disk01");
        h.RunUntil(() => !h[victim].Running, what: $"{victim} dying after it prepared");
        var id = h[victim].Journal.Last(r => r.State == TransactionState.Prepared).Transaction.Id;

        h.Settle(); // the victim's agent returns and rejoins: it settles what it prepared from the master's outcomes

        var records = h.Sim.Snapshots().Select(s => (s.Node, Record: s.Records.Last(r => r.Transaction.Id == id))).ToList();
        Assert.All(records, r => Assert.Equal(TransactionState.Committed, r.Record.State));
        Assert.All(records, r => Assert.Equal(1, r.Record.Generation));
        Assert.Null(records.Single(r => r.Node == victim).Record.Error);
        h.AssertNoViolations(output);
    }
}
