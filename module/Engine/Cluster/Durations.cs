using System.Globalization;
using System.Text.RegularExpressions;

namespace VolumeManager.Engine.Cluster;

/// <summary>Durations as the cluster definition writes them: 250ms, 2s, 1.5s, 1m, 1h.</summary>
public static partial class Durations
{
    public const string Expected = "a number followed by ms, s, m or h (e.g. 250ms, 2s, 1.5s, 1m)";

    [GeneratedRegex(@"^\s*(?<number>[0-9]+(\.[0-9]+)?)\s*(?<unit>ms|s|m|h)\s*$")]
    private static partial Regex Pattern();

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        var match = Pattern().Match(text);
        if (!match.Success || !decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            return false;
        var unit = UnitTicks(match.Groups["unit"].Value);
        if (number > TimeSpan.MaxValue.Ticks / unit) return false;
        duration = TimeSpan.FromTicks((long)decimal.Round(number * unit));
        return true;
    }

    /// <summary>The largest unit that states the duration exactly.</summary>
    public static string Format(TimeSpan duration)
    {
        foreach (var unit in new[] { "h", "m", "s", "ms" })
            if (duration.Ticks % UnitTicks(unit) == 0) return $"{duration.Ticks / UnitTicks(unit)}{unit}";
        return ((decimal)duration.Ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms";
    }

    private static long UnitTicks(string unit) => unit switch
    {
        "h" => TimeSpan.TicksPerHour,
        "m" => TimeSpan.TicksPerMinute,
        "s" => TimeSpan.TicksPerSecond,
        _ => TimeSpan.TicksPerMillisecond,
    };
}
