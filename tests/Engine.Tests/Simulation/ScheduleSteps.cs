using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Simulation;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>What schedule tests pick their fault points and victims by.</summary>
internal static class ScheduleSteps
{
    /// <summary>The effect sends a <typeparamref name="T"/> (to <paramref name="to"/>, when named).</summary>
    public static bool SendOf<T>(Effect e, string? to = null) where T : Message => e is Send { Message: T } s && (to is null || s.To == to);

    /// <summary>From now on, notes each time <paramref name="node"/>'s gates close ("close") and open ("open"), and its commits ("committed").</summary>
    public static List<string> RecordGates(SimHarness h, string node)
    {
        var steps = new List<string>();
        h[node].CrashBefore = e =>
        {
            if (e is Quiesce) steps.Add("close");
            if (e is Resume) steps.Add("open");
            if (e is PersistRecord { Record.State: Transactions.TransactionState.Committed }) steps.Add("committed");
            return false;
        };
        return steps;
    }

    /// <summary>The member the master tells first: the lowest in rank after it.</summary>
    public static string Successor(SimHarness h) =>
        h.Master!.Machine!.Members.Where(m => m.Name != h.Master.Name && m.State == MemberState.Joined).OrderBy(m => m.Rank).First().Name;
}
