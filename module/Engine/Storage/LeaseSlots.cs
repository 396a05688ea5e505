namespace VolumeManager.Engine.Storage;

/// <summary>What a lease round does with one slot it has read: the slot to write there (null: leave it alone), and the lease the slot counts as in <see cref="DiskLease.Tally"/>.</summary>
public readonly record struct LeaseSlotStep(byte[]? Write, DiskLease? Counts);

/// <summary>
/// One node's lease rounds, disk by disk: what it remembers of each slot and what it does with the slot it reads.
/// The agent's DiskLeaseWriter (real disks) and the simulator's SimDisks (simulated ones) both run their rounds
/// through it, so the simulator explores the agent's exact rules. It does no I/O: the caller reads the slot, asks
/// <see cref="Next"/>, writes and flushes the slot it is given, and then says so (<see cref="Wrote"/>).
/// <list type="number">
/// <item>Reading and writing a slot is not one step: the other node may read the same empty or expired slot and
/// write it between this node's read and write. So a slot counts for this node only when the round reads back the
/// very lease this node wrote there in its previous round; a slot taken this round counts from the next (a round's
/// writes must land before the other node's next round, a quarter lease later).</item>
/// <item>The other node's lease states its expiry on that node's clock; this node takes it over only once it has
/// also read the slot unchanged for the whole lease (expiry less renewal) on its own monotonic clock, so a clock
/// running ahead of the holder's cannot take a lease the holder goes on renewing.</item>
/// <item>A slot that reads torn (the other node writing it at that moment) is left alone, and taken only once it
/// has read torn for a whole lease.</item>
/// </list>
/// </summary>
public sealed class LeaseSlots(TimeProvider clock)
{
    /// <summary>Stands in <see cref="foreign"/> for a slot that reads torn (a write in progress, or one cut short).</summary>
    private static readonly DiskLease TornSlot = new("", 0, default, default);

    /// <summary>Per disk, the lease this node last wrote there, as the slot stores it (milliseconds).</summary>
    private readonly Dictionary<string, DiskLease> written = new(StringComparer.Ordinal);

    /// <summary>Per disk, the other node's lease (or the torn slot) last read there, and the local timestamp it was first read unchanged.</summary>
    private readonly Dictionary<string, (DiskLease Lease, long Since)> foreign = new(StringComparer.Ordinal);

    /// <summary>What this node's round does with <paramref name="disk"/>'s slot, which it has just read as <paramref name="read"/>.</summary>
    public LeaseSlotStep Next(string disk, ReadOnlySpan<byte> read, DiskLease lease, DateTimeOffset now)
    {
        var current = DiskLease.Decode(read);
        var renewed = written.Remove(disk, out var mine) && mine == current;
        if (current is null && read.IndexOfAnyExcept((byte)0) >= 0 && !UnchangedFor(disk, TornSlot, lease.Expires - lease.Renewed)) return default;
        if (current is not null && current.Holder != lease.Holder && !UnchangedFor(disk, current, current.Expires - current.Renewed)) return new(null, current);
        if (!DiskLease.MayTake(current, lease.Holder, now)) return new(null, current);
        foreign.Remove(disk);
        return new(lease.Encode(), renewed ? lease : null);
    }

    /// <summary>The slot <see cref="Next"/> gave is on <paramref name="disk"/>, flushed: the next round counts it if it reads it back unchanged.</summary>
    public void Wrote(string disk, byte[] slot) => written[disk] = DiskLease.Decode(slot)!;

    /// <summary>Whether this node has read the same foreign lease (or the same torn slot) in <paramref name="disk"/>'s slot for at least <paramref name="term"/>, by its own clock.</summary>
    private bool UnchangedFor(string disk, DiskLease current, TimeSpan term)
    {
        if (!foreign.TryGetValue(disk, out var seen) || seen.Lease != current)
        {
            foreign[disk] = (current, clock.GetTimestamp());
            return false;
        }
        return clock.GetElapsedTime(seen.Since) >= term;
    }
}
