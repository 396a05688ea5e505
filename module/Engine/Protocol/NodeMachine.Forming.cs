namespace VolumeManager.Engine.Protocol;

/// <summary>
/// Forming the cluster by promise. A discovery answer is only what the peer was doing then: a node that counted a peer's
/// answer while that peer joined another master formed a second cluster on it (chaos seeds 21005, 1015). So the node
/// that would form asks the peers it heard to promise to join it (<see cref="Discover.FormingAt"/>); one still
/// discovering promises (<see cref="DiscoverReply.PromisedTo"/>) and, while its promise holds, joins no other master,
/// resumes no mastership, forms nothing itself and promises no one else. The node forms once the promises make a
/// majority of the last membership; a majority cannot promise two nodes at once.
/// </summary>
public sealed partial class NodeMachine
{
    /// <summary>Asks the peers heard in this round to promise; the answers are counted until the discovery deadline.</summary>
    private void CallForPromises(DateTimeOffset now)
    {
        callingForPromises = true;
        promises.Clear();
        discoverDeadline = now + options.DiscoverTimeout;
        foreach (var peer in peers.Where(p => peerGenerations.ContainsKey(p.Name)))
            SendTo(peer.Name, new Discover { FormingAt = Database.Generation });
    }

    private void EndCallForPromises()
    {
        callingForPromises = false;
        promises.Clear();
    }

    private bool HoldsPromise(DateTimeOffset now) => promised is { } p && p.Until > now;

    /// <summary>
    /// A discovering node promises a former unless it promised another, or its configuration is newer (the former would
    /// hand it an older one), or it is calling for promises itself and is the better former of the two.
    /// </summary>
    private bool MayPromise(DateTimeOffset now, string former, long formerGeneration)
    {
        if (HoldsPromise(now) && promised!.Value.Node != former) return false;
        if (formerGeneration < Database.Generation) return false;
        if (!callingForPromises) return true;
        var order = OrderOf(former);
        return formerGeneration > Database.Generation || order < selfAddress.Order;
    }

    private void Promise(DateTimeOffset now, string former)
    {
        EndCallForPromises();
        promised = (former, now + options.DiscoverTimeout * 4);
        // Joining the node that now forms: discovering again, so its answer once formed (a master's) is taken at once.
        if (Phase == NodePhase.Joining) { Phase = NodePhase.Discovering; discoverDeadline = now + options.DiscoverTimeout; }
        SendTo(former, DiscoveringReply(promisedTo: former));
    }

    /// <summary>A peer promised: the cluster forms once the promises make a quorum, unless the peer is the better former.</summary>
    private void TakePromise(DateTimeOffset now, string peer)
    {
        if (!callingForPromises) return;
        promises.Add(peer);
        if (peers.Any(p => discoveringPeers.Contains(p.Name) && BetterToForm(p))) { StartDiscovery(now); return; }
        if (FormingQuorum(promises.Contains)) Form(now);
    }
}
