using VolumeManager.Engine.Model;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// A decided change waits for its successor's acknowledgement, and every member's I/O stays frozen until then.
/// A successor known dead (its connection closed) or silent past <see cref="ProtocolOptions.SuccessorAckTimeout"/>
/// is passed over instead of waited for until its eviction: the master moves it last in the order of succession
/// under a new epoch, and tells the next member first once a majority holds that epoch. The seed's rule still
/// holds — if the member that takes over was not told, no one was — because a member takes over only on a view
/// no majority has moved past (<see cref="MissedMembershipChange"/>), and any majority it hears meets the one
/// that holds the new order; and the member passed over, which may have been told, is answered by the new order
/// itself: it carries the decision, so a member taking over on it commits (<see cref="LearnDecision"/>).
/// </summary>
public sealed partial class NodeMachine
{
    private void HeardEpoch(Message message)
    {
        heardEpoch[message.From] = message.Epoch;
        if (message is Heartbeat beat && beat.Master == message.From) mastersOfTheirOwn.Add(message.From);
        else if (message is Heartbeat or Discover or JoinRequest) mastersOfTheirOwn.Remove(message.From);
        if (message is Discover or JoinRequest) lookingForCluster.Add(message.From);
        else if (message is Heartbeat or MembershipUpdate) lookingForCluster.Remove(message.From);
    }

    /// <summary>
    /// A member speaks at <paramref name="epoch"/> or later, and not as the master of a cluster of its own; this node by its
    /// own epoch. Its own master's heartbeats name itself master too: that is this cluster, not one of its own (else a node
    /// admitted by it would never count it and, in three nodes, stay a pending voter that cannot take over).
    /// </summary>
    private bool Holds(string member, long epoch) => member == self ? Epoch >= epoch
        : heardEpoch.GetValueOrDefault(member) >= epoch && (member == Master || !mastersOfTheirOwn.Contains(member));

    private void PassSuccession(DateTimeOffset now, Coordination active, MemberInfo passed)
    {
        passed.Rank = Members.Max(m => m.Rank) + 1;
        Epoch++;
        Log($"successor {passed.Name} of {active.Transaction.Id} is {passed.State}: passed over in succession at epoch {Epoch}");
        BroadcastMembership(decided: active.Transaction.Id);
        active.Successor = null;
        active.SuccessionEpoch = Epoch;
        NotifyNewSuccessorOnceHeld(now, active);
    }

    /// <summary>The next successor is told once a majority of the members (this node included) speak at the epoch that made it successor.</summary>
    private void NotifyNewSuccessorOnceHeld(DateTimeOffset now, Coordination active)
    {
        if (active.SuccessionEpoch is not { } epoch || active.Successor is not null) return;
        var members = Current.ToList();
        var holding = members.Count(m => m.Name == self || Holds(m.Name, epoch));
        if (holding * 2 <= members.Count) return;
        active.SuccessionEpoch = null;
        NotifySuccessor(now, active);
    }

    private void SuccessionTick(DateTimeOffset now, Coordination active)
    {
        NotifyNewSuccessorOnceHeld(now, active);
        if (active.Resumed || active.Successor is not { } successor || Member(successor) is not { State: MemberState.Joined } member) return;
        if (now - active.SuccessorNotifiedAt < options.SuccessorAckTimeout) return;
        if (SuccessorOf(active, besides: successor) is null)
        {
            // No other member of the change to tell first: passing it over would only wait for a majority to hold an order
            // that names no one new, a majority the member itself may be needed for (chaos seeds 45276, 53599).
            active.SuccessorNotifiedAt = now;
            SendTo(successor, new CommitNotice { TransactionId = active.Transaction.Id, Transaction = active.Transaction });
            return;
        }
        MemberWentDown(now, member, $"did not acknowledge the commit of {active.Transaction.Id} within {options.SuccessorAckTimeout.TotalSeconds:0.###} s");
    }

    /// <summary>
    /// A slave about to take over that hears members at a newer epoch than its own missed a membership change —
    /// perhaps the one that passed it over in succession — so its view of who succeeds is stale.
    /// </summary>
    private bool MissedMembershipChange(DateTimeOffset now) => Current.Any(m => m.Name != self && heardEpoch.GetValueOrDefault(m.Name) > Epoch
        && lastHeard.TryGetValue(m.Name, out var heard) && now - heard < options.DownAfter);

    /// <summary>
    /// The master passed over a successor it had told to commit (or tried to): that member may have committed, so
    /// the rule "if the member that takes over was not told, no one was" no longer holds for the next one, which is
    /// told only once a majority holds the new order. Each member notes the decision durably on its prepared record,
    /// and one that takes over (or forms the cluster again) before it is told commits the change instead of aborting it.
    /// </summary>
    private void LearnDecision(DateTimeOffset now, MembershipUpdate update)
    {
        if (update.Decided is not { } id || Record(id) is not { State: TransactionState.Prepared, Decided: false } record
            || record.Transaction.Coordinator != update.From) return;
        var known = record.With(TransactionState.Prepared, now);
        known.Decided = true;
        Keep(known, durable: true);
    }

    /// <summary>A prepared change whose coordinator, another node, told this one it had decided to commit it (<see cref="LearnDecision"/>).</summary>
    private bool KnownDecided(TransactionRecord record) =>
        record.State == TransactionState.Prepared && record.Decided && record.Transaction.Coordinator != self;

    /// <summary>A slave answers a membership update from its master at once, so the master learns which epoch it holds.</summary>
    private void AcknowledgeMembership(MembershipUpdate update)
    {
        if (update.From == Master && update.From != self) SendTo(update.From, OwnHeartbeat());
    }
}
