namespace VolumeManager.Transport;

/// <summary>
/// Lets one line per key through per interval, so a misconfigured peer retrying every few seconds
/// does not flood the agent's log.
/// </summary>
internal sealed class LogThrottle(TimeSpan interval)
{
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <returns>True when the line should be logged; <paramref name="suppressed"/> counts lines held back since.</returns>
    public bool TryPass(string key, out int suppressed)
    {
        long now = Environment.TickCount64;
        lock (entries)
        {
            if (entries.TryGetValue(key, out Entry? entry) && now - entry.LastLogged < (long)interval.TotalMilliseconds)
            {
                entry.Suppressed++;
                suppressed = 0;
                return false;
            }
            suppressed = entry?.Suppressed ?? 0;
            entries[key] = new Entry { LastLogged = now };
            return true;
        }
    }

    private sealed class Entry
    {
        public long LastLogged { get; init; }

        public int Suppressed { get; set; }
    }
}
