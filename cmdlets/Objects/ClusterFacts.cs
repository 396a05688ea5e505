using VolumeManager.Engine.Model;

namespace VolumeManager.Cmdlets.Objects;

internal static class ClusterFacts
{
    public static void Refresh(VmCluster cluster, ClusterView view)
    {
        cluster.Epoch = view.Epoch;
        cluster.Master = view.Master;
        cluster.Generation = view.Generation;
        cluster.Members = view.ActiveMembers.OrderBy(m => m.Rank).Select(m => m.Name).ToArray();
    }
}
