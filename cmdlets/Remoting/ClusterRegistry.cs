using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using VolumeManager.Cmdlets.Objects;

namespace VolumeManager.Cmdlets.Remoting;

/// <summary>
/// The cluster commands use when -Cluster is omitted: the one last connected in a runspace. The module's assembly
/// is loaded once per process, so a static would let two runspaces (two hosts, a RunspacePool, ThreadJobs) see each
/// other's connection; each runspace keeps its own. A command names its runspace as it found it on its pipeline
/// thread (its work may go on elsewhere).
/// </summary>
internal static class ClusterRegistry
{
    private sealed class Slot
    {
        public VmCluster? Cluster;
    }

    private static readonly ConditionalWeakTable<Runspace, Slot> byRunspace = [];
    private static readonly Slot noRunspace = new();

    public static VmCluster? Get(Runspace? runspace) => SlotOf(runspace).Cluster;

    public static void Set(Runspace? runspace, VmCluster? cluster) => SlotOf(runspace).Cluster = cluster;

    /// <summary>The default cluster of the runspace running on this thread (completers run on their runspace's thread).</summary>
    public static VmCluster? OfThisThread => Get(Runspace.DefaultRunspace);

    private static Slot SlotOf(Runspace? runspace) => runspace is null ? noRunspace : byRunspace.GetOrCreateValue(runspace);
}
