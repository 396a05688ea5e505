using VolumeManager.Cmdlets.Objects;

namespace VolumeManager.Cmdlets.Remoting;

/// <summary>The cluster commands use when -Cluster is omitted: the one last connected in this session.</summary>
internal static class ClusterRegistry
{
    private static VmCluster? current;

    public static VmCluster? Default
    {
        get => current;
        set => current = value;
    }
}
