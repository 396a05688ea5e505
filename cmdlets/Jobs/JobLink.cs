using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;

namespace VolumeManager.Cmdlets.Jobs;

/// <summary>
/// Which job a private runspace runs for, so the cmdlet running inside it reports per-node outcomes to that job
/// without any parameter a user could see or set.
/// </summary>
internal static class JobLink
{
    private static readonly ConcurrentDictionary<Guid, VmChangeJob> Jobs = new();

    public static void Attach(Runspace runspace, VmChangeJob job) => Jobs[runspace.InstanceId] = job;

    public static void Detach(Runspace runspace) => Jobs.TryRemove(runspace.InstanceId, out _);

    /// <summary>The job the current pipeline thread runs for, if any.</summary>
    public static VmChangeJob? Current => Runspace.DefaultRunspace is { } runspace && Jobs.TryGetValue(runspace.InstanceId, out var job) ? job : null;
}
