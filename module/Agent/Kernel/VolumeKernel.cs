using VolumeManager.Engine.Model;

namespace VolumeManager.Agent.Kernel;

/// <summary>The node's user-space kernel: one I/O gate per disk group, quiesced per transaction; it keeps a record of every freeze and of plexes' I/O errors.</summary>
public sealed class VolumeKernel(TimeSpan drainBound)
{
    private const int KeptFreezes = 500;
    private readonly Dictionary<string, IoGate> gates = [];
    private readonly Dictionary<string, List<string>> quiescedBy = [];
    private readonly Dictionary<(string, string), DateTimeOffset> closedAt = [];
    private readonly LinkedList<FreezeRecord> freezes = new();
    private readonly LinkedList<PlexIoError> ioErrors = new();
    private readonly object sync = new();

    /// <summary>The latest freezes, oldest first.</summary>
    public List<FreezeRecord> Freezes { get { lock (sync) return [.. freezes]; } }

    /// <summary>The latest I/O errors of plexes' disks, oldest first.</summary>
    public List<PlexIoError> IoErrors { get { lock (sync) return [.. ioErrors]; } }

    public void RecordIoError(PlexIoError error)
    {
        lock (sync)
        {
            ioErrors.AddLast(error);
            if (ioErrors.Count > KeptFreezes) ioErrors.RemoveFirst();
        }
    }

    public IoGate Gate(string diskGroup)
    {
        lock (sync) return gates.TryGetValue(diskGroup, out var gate) ? gate : gates[diskGroup] = new IoGate();
    }

    /// <summary>Null when every gate drained; otherwise which disk group did not.</summary>
    public async Task<string?> QuiesceAsync(string transactionId, IReadOnlyList<string> diskGroups)
    {
        List<string> closed;
        lock (sync)
        {
            if (quiescedBy.ContainsKey(transactionId)) return null;
            quiescedBy[transactionId] = closed = [];
        }
        foreach (var group in diskGroups)
        {
            var gate = Gate(group);
            var inFlight = gate.InFlight;
            // The freeze runs from the moment the gate closes to new I/O, the drain included, to the moment it opens.
            lock (sync) { closed.Add(group); closedAt[(transactionId, group)] = DateTimeOffset.UtcNow; }
            if (!await gate.QuiesceAsync(drainBound))
            {
                Resume(transactionId);
                return $"I/O to disk group '{group}' did not drain within {drainBound.TotalSeconds:0.###} s ({inFlight} in flight).";
            }
        }
        return null;
    }

    /// <summary>Closes the groups' gates to new I/O and keeps them closed, drained or not, until <see cref="Resume"/> of the same id (the node's fence).</summary>
    public void Hold(string id, IReadOnlyList<string> diskGroups)
    {
        lock (sync)
        {
            if (quiescedBy.ContainsKey(id)) return;
            quiescedBy[id] = [.. diskGroups];
            foreach (var group in diskGroups) closedAt[(id, group)] = DateTimeOffset.UtcNow;
        }
        foreach (var group in diskGroups) _ = Gate(group).QuiesceAsync(drainBound);
    }

    public void Resume(string transactionId)
    {
        List<string>? groups;
        lock (sync)
            if (!quiescedBy.Remove(transactionId, out groups)) return;
        foreach (var group in groups)
        {
            var gate = Gate(group);
            Record(transactionId, group, gate.InFlight);
            gate.Resume();
        }
    }

    private void Record(string transactionId, string group, int inFlight)
    {
        lock (sync)
        {
            if (!closedAt.Remove((transactionId, group), out var closed)) return;
            freezes.AddLast(new FreezeRecord { TransactionId = transactionId, DiskGroup = group, Closed = closed, Opened = DateTimeOffset.UtcNow, InFlightAtOpen = inFlight });
            if (freezes.Count > KeptFreezes) freezes.RemoveFirst();
        }
    }
}
