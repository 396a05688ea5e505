using System.Globalization;
using System.Text.RegularExpressions;

namespace VolumeManager.Engine.DesiredState;

/// <summary>Sizes written as PowerShell writes them: plain bytes (1048576) or a number with KB, MB, GB, TB or PB (256MB, 1.5GB), binary units.</summary>
public static partial class SizeLiteral
{
    public const string Expected = "a whole number of bytes, or a number followed by KB, MB, GB, TB or PB (e.g. 256MB, 1GB, 1.5GB)";

    private static readonly (string Suffix, long Factor)[] Units =
        [("PB", 1L << 50), ("TB", 1L << 40), ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10)];

    [GeneratedRegex(@"^(?<number>[0-9]+(\.[0-9]+)?)(?<unit>[KMGTP]B)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>False when the text is no size, has a fraction of a byte, or is too large for a long.</summary>
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var match = Pattern().Match(text.Trim());
        if (!match.Success) return false;
        var unit = match.Groups["unit"];
        var factor = unit.Success ? Units.First(u => u.Suffix.Equals(unit.Value, StringComparison.OrdinalIgnoreCase)).Factor : 1;
        if (!decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
        try
        {
            var value = number * factor;
            if (value != decimal.Truncate(value) || value > long.MaxValue) return false;
            bytes = (long)value;
            return true;
        }
        catch (OverflowException) { return false; }
    }

    /// <summary>The largest unit that expresses the size exactly as a whole number (64MB, 1GB), else plain bytes.</summary>
    public static string Format(long bytes)
    {
        if (bytes > 0)
            foreach (var (suffix, factor) in Units)
                if (bytes % factor == 0) return (bytes / factor).ToString(CultureInfo.InvariantCulture) + suffix;
        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
