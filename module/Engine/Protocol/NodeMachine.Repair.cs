using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Protocol;

/// <summary>
/// A write that left a volume's plexes different on this node (a plex it cannot reach stays attached: Local policy)
/// is repaired by a node that reaches them all: the requester asks the group's coordinator (the master for a shared
/// group, the owner for a private one); the coordinator names the repairer — the joined members other than the
/// requester in turn, itself first, then the others in rank (<see cref="Repairer"/>) — which copies the range from the
/// first Active plex to the others (<see cref="CopyRange"/>) and answers the requester. No answer or a failed one leaves
/// the range to the requester to ask again, and the next request goes to the next member: one that cannot reach a plex
/// for good is not the one asked every time. The repairer copies only on the configuration the requester asked on (the
/// group's id and generation), as a joined member: a node behind it (still joining, or not yet switched to a change) may
/// not hold the volume, or hold other plexes, and would answer for a copy it did not make (chaos seed 27517).
/// </summary>
public sealed partial class NodeMachine
{
    private ControlResponse? RepairRange(long id, RepairRangeRequest request)
    {
        if (Database.Find(request.DiskGroup) is not { } group)
            return ControlResponse.Failure(ErrorIds.DiskGroupNotFound, $"node {self} holds no disk group '{request.DiskGroup}'.");
        var ask = new RangeRepair
        {
            Ref = id, Requester = self, DiskGroup = request.DiskGroup, Volume = request.Volume, Offset = request.Offset, Length = request.Length,
            GroupId = group.Id, GroupGeneration = group.Generation,
        };
        if (!group.Shared || IsMaster) { OnRangeRepair(ask); return null; }
        if (Master is not { } master || !IsReachable(master))
            return ControlResponse.Failure(ErrorIds.MasterChanged, $"node {self} has no master to ask for the repair now.");
        SendTo(master, ask);
        return null;
    }

    /// <summary>The coordinator names the repairer; the repairer named copies the range.</summary>
    private void OnRangeRepair(RangeRepair ask)
    {
        if (ask.Assigned || Database.Find(ask.DiskGroup) is { Shared: false }) { CopyHere(ask); return; }
        if (!IsMaster) { Answer(ask.Requester, ask.Ref, ErrorIds.MasterChanged, $"node {self} is not the master; the master is {Master ?? "unknown"}."); return; }
        var named = Repairer(ask.Requester);
        repairTurn++;
        switch (named)
        {
            case null: Answer(ask.Requester, ask.Ref, ErrorIds.AgentNotRunning, $"no joined member but node {ask.Requester} can repair volume '{ask.Volume}'."); break;
            case var repairer when repairer == self: CopyHere(ask); break;
            case var repairer:
                SendTo(repairer, new RangeRepair
                {
                    Ref = ask.Ref, Requester = ask.Requester, DiskGroup = ask.DiskGroup, Volume = ask.Volume, Offset = ask.Offset, Length = ask.Length,
                    GroupId = ask.GroupId, GroupGeneration = ask.GroupGeneration, Assigned = true,
                });
                break;
        }
    }

    /// <summary>This node is the repairer: it copies if it holds the configuration the requester asked on, else says so.</summary>
    private void CopyHere(RangeRepair ask)
    {
        var copy = new CopyRange(ask.Requester, ask.Ref, ask.DiskGroup, ask.Volume, ask.Offset, ask.Length, ask.GroupId, ask.GroupGeneration);
        var group = Database.Find(ask.DiskGroup);
        if (RepairRefusal(group, copy) is { } why) { Answer(ask.Requester, ask.Ref, ErrorIds.StaleGeneration, why); return; }
        Emit(copy);
    }

    private string? RepairRefusal(DiskGroup? group, CopyRange copy)
    {
        if (group is { Shared: true } && Phase != NodePhase.Joined)
            return $"node {self} is not a joined member ({Phase}): it cannot repair volume '{copy.Volume}' for node {copy.Requester} now.";
        if (!copy.OnConfiguration(group))
            return $"node {self} holds disk group '{copy.DiskGroup}' {(group is null ? "not at all" : group.Id != copy.GroupId ? "as another group" : $"at generation {group.Generation}")}, "
                + $"not at generation {copy.GroupGeneration} as node {copy.Requester} asked: it cannot repair volume '{copy.Volume}' on that configuration now.";
        return null;
    }

    /// <summary>Who repairs the next range for <paramref name="requester"/>: a joined member other than it, in turn (this node first, then the others in rank).</summary>
    public string? Repairer(string requester)
    {
        var candidates = Members.Where(m => m.State == MemberState.Joined && m.Name != requester && IsReachable(m.Name))
            .OrderBy(m => m.Name == self ? -1 : m.Rank).Select(m => m.Name).ToList();
        return candidates.Count == 0 ? null : candidates[(int)(repairTurn % candidates.Count)];
    }

    private void OnRangeCopied(RangeCopied copied)
    {
        if (copied.Ok) Answer(copied.Requester, copied.Ref, null, null);
        else Answer(copied.Requester, copied.Ref, copied.ErrorId ?? ErrorIds.VolumeIoFailed, copied.Error ?? "the repair failed.");
    }

    private void Answer(string requester, long id, string? errorId, string? error)
    {
        if (requester == self) Emit(new Reply(id, errorId is null ? ControlResponse.Success() : ControlResponse.Failure(errorId, error!)));
        else SendTo(requester, new RangeRepaired { Ref = id, Ok = errorId is null, ErrorId = errorId, Error = error });
    }

    private void OnRangeRepaired(RangeRepaired answer) => Emit(new Reply(answer.Ref, answer.Ok
        ? ControlResponse.Success()
        : ControlResponse.Failure(answer.ErrorId ?? ErrorIds.VolumeIoFailed, answer.Error ?? "the repair failed.")));
}
