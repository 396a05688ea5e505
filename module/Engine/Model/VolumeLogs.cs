namespace VolumeManager.Engine.Model;

/// <summary>
/// The logs a volume may keep, as <see cref="Volume.Log"/> stores them. Drl: each node marks the regions it writes,
/// durably, in a dirty region bitmap before the write reaches the plexes, so that after the node dies only those
/// regions are copied between plexes. None: after a node dies with writes in flight the whole volume is.
/// </summary>
public static class VolumeLogs
{
    public const string Drl = nameof(Drl);
    public const string None = nameof(None);

    public static string Names => $"{Drl}, {None}";

    /// <summary>The stored name of a log type given in any case; null when it is none.</summary>
    public static string? Parse(string? name) =>
        string.Equals(name, Drl, StringComparison.OrdinalIgnoreCase) ? Drl : string.Equals(name, None, StringComparison.OrdinalIgnoreCase) ? None : null;

    /// <summary>A volume created with <paramref name="plexes"/> plexes and no -Log: a dirty region log for a mirror, none for a single plex.</summary>
    public static string Default(int plexes) => plexes >= 2 ? Drl : None;
}
