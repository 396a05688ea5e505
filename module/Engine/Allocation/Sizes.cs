using System.Globalization;

namespace VolumeManager.Engine.Allocation;

/// <summary>The units the allocator works in, and sizes as people read them.</summary>
public static class Sizes
{
    public const long KiB = 1024;
    public const long MiB = 1024 * KiB;
    public const long GiB = 1024 * MiB;

    /// <summary>Every subdisk starts on a 1 MiB boundary of its disk's public region, and occupies whole MiB.</summary>
    public const long Alignment = MiB;

    /// <summary>A volume's size is a whole number of 512-byte sectors.</summary>
    public const long SectorSize = 512;

    public static long AlignDown(long bytes) => bytes <= 0 ? 0 : bytes / Alignment * Alignment;

    /// <summary>Rounds up to the next MiB boundary; <paramref name="bytes"/> must be below <see cref="long.MaxValue"/> less a MiB.</summary>
    public static long AlignUp(long bytes) => bytes <= 0 ? 0 : checked(bytes + Alignment - 1) / Alignment * Alignment;

    /// <summary>"64 MiB", "1.5 GiB", "512 bytes": binary units, at most two decimals, invariant culture.</summary>
    public static string Human(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        var magnitude = Math.Abs((decimal)bytes);
        if (magnitude < KiB) return bytes == 1 || bytes == -1 ? $"{bytes} byte" : $"{bytes} bytes";
        var value = (decimal)bytes;
        var unit = -1;
        while (unit < units.Length - 1 && Math.Abs(value) >= KiB) { value /= KiB; unit++; }
        return Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    /// <summary>Human units and the exact count: "64 MiB (67108864 bytes)".</summary>
    public static string Describe(long bytes) => Math.Abs(bytes) < KiB ? Human(bytes) : $"{Human(bytes)} ({bytes.ToString(CultureInfo.InvariantCulture)} bytes)";
}
