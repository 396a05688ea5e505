using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace VolumeManager.Agent.Storage;

/// <summary>
/// A pinned buffer whose data starts on a 4 KiB boundary (what O_DIRECT needs), with room in front of it for a
/// reply header so a header and its data go out in one send. Rented from per-size pools and returned after use.
/// </summary>
public sealed class AlignedBuffer
{
    public const int PageSize = 4096;
    /// <summary>Bytes available in front of <see cref="Start"/>.</summary>
    public const int HeaderRoom = 64;
    private const int MinimumClass = 12;   // 4 KiB
    private const int MaximumClass = 26;   // 64 MiB
    private static readonly ConcurrentQueue<AlignedBuffer>[] Pools =
        [.. Enumerable.Range(0, MaximumClass + 1).Select(_ => new ConcurrentQueue<AlignedBuffer>())];
    private static readonly int[] Counts = new int[MaximumClass + 1];
    private readonly int sizeClass;

    private unsafe AlignedBuffer(int sizeClass)
    {
        this.sizeClass = sizeClass;
        Capacity = 1 << sizeClass;
        Array = GC.AllocateUninitializedArray<byte>(Capacity + 2 * PageSize, pinned: true);
        var address = (long)Unsafe.AsPointer(ref Array[0]);
        var start = (int)((PageSize - address % PageSize) % PageSize);
        Start = start < HeaderRoom ? start + PageSize : start;
    }

    public byte[] Array { get; }
    public int Start { get; }
    public int Capacity { get; }

    public Span<byte> Span(int length) => Array.AsSpan(Start, length);
    public Memory<byte> Memory(int length) => Array.AsMemory(Start, length);

    public static AlignedBuffer Rent(int length)
    {
        var sizeClass = Math.Max(MinimumClass, 32 - BitOperations.LeadingZeroCount((uint)Math.Max(1, length) - 1));
        if (sizeClass > MaximumClass) throw new ArgumentOutOfRangeException(nameof(length), $"{length} bytes is more than one buffer holds.");
        if (Pools[sizeClass].TryDequeue(out var buffer))
        {
            Interlocked.Decrement(ref Counts[sizeClass]);
            return buffer;
        }
        return new AlignedBuffer(sizeClass);
    }

    /// <summary>Keeps up to 64 buffers of 1 MiB or less per size, 4 of the larger ones.</summary>
    public void Return()
    {
        var kept = sizeClass <= 20 ? 64 : 4;
        if (Interlocked.Increment(ref Counts[sizeClass]) > kept) { Interlocked.Decrement(ref Counts[sizeClass]); return; }
        Pools[sizeClass].Enqueue(this);
    }
}
