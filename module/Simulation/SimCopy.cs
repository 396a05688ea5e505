using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Simulation;

/// <summary>
/// What crosses a process boundary is a copy: a sender that later changes its own lists (membership) must
/// not change a message already sent. <see cref="SimulationOptions.WireRoundTrip"/> copies through the wire
/// JSON, as the hosts do (and so checks it); otherwise interconnect messages are copied by hand, which is
/// several times faster — a message type this does not know still goes through the JSON.
/// </summary>
internal static class SimCopy
{
    public static Message Message(Message message, bool wire)
    {
        if (wire) return message is Heartbeat ? message : WireJson.Deserialize<Message>(WireJson.Serialize(message));
        Message copy = message switch
        {
            Discover or Heartbeat or JoinRequest or LeaveNotice or Prepared or CommitAck or OutcomeQuery => message, // only value fields, never changed after sending
            DiscoverReply r => new DiscoverReply
            {
                Master = r.Master, Members = r.Members.Select(m => m.Clone()).ToList(),
                LastMembership = [.. r.LastMembership], LastMembershipEpoch = r.LastMembershipEpoch, PromisedTo = r.PromisedTo,
            },
            MembershipUpdate u => new MembershipUpdate { Master = u.Master, Members = u.Members.Select(m => m.Clone()).ToList(), Decided = u.Decided, Generation = u.Generation },
            JoinAccepted a => new JoinAccepted
            {
                Master = a.Master, Members = a.Members.Select(m => m.Clone()).ToList(), Generation = a.Generation,
                Shared = a.Shared.Select(g => g.Clone()).ToList(), ClusterId = a.ClusterId, Outcomes = [.. a.Outcomes], LastTransaction = a.LastTransaction, Definition = [.. a.Definition], NewVoter = a.NewVoter,
            },
            Prepare p => new Prepare { Transaction = Transaction(p.Transaction) },
            CommitNotice c => new CommitNotice { TransactionId = c.TransactionId, Transaction = c.Transaction is null ? null : Transaction(c.Transaction), AheadOfDecision = c.AheadOfDecision },
            AbortNotice a => new AbortNotice { TransactionId = a.TransactionId, ErrorId = a.ErrorId, Reason = a.Reason, FailedNodes = [.. a.FailedNodes] },
            _ => WireJson.Deserialize<Message>(WireJson.Serialize(message)),
        };
        if (!ReferenceEquals(copy, message)) { copy.From = message.From; copy.Epoch = message.Epoch; }
        return copy;
    }

    public static Transaction Transaction(Transaction tx) => new()
    {
        Id = tx.Id, Scope = tx.Scope, Owner = tx.Owner, BaseGeneration = tx.BaseGeneration, Initiator = tx.Initiator,
        Coordinator = tx.Coordinator, Members = [.. tx.Members], Operations = tx.Operations, Started = tx.Started,
    };

    /// <summary>
    /// Control requests and responses are built fresh for each call and changed by neither side afterwards, so
    /// without the wire round trip they pass as they are.
    /// </summary>
    public static ControlRequest Request(ControlRequest request, bool wire) =>
        wire ? WireJson.Deserialize<ControlRequest>(WireJson.Serialize(request)) : request;

    public static ControlResponse Response(ControlResponse response, bool wire) =>
        wire ? WireJson.Deserialize<ControlResponse>(WireJson.Serialize(response)) : response;
}
