using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Engine.Cluster;

/// <summary>The values of a cluster definition that have rules of their own: names, ports, addresses, durations.</summary>
internal static class ClusterYamlValues
{
    public static string NonEmpty(YamlMap map, string key)
    {
        var node = map.Required(key);
        var text = YamlValue.Text(map, node, key);
        return text.Trim().Length > 0 ? text : throw map.Error(node, $"'{key}' in {map.What} is empty.");
    }

    public static string Name(YamlMap map, string what)
    {
        var node = map.Required("name");
        var name = YamlValue.Text(map, node, "name");
        return NameRules.Problem(name, what) is { } problem ? throw map.Error(node, problem) : name;
    }

    public static int Port(YamlMap map, string key)
    {
        var node = map.Required(key);
        var text = YamlValue.Text(map, node, key);
        return int.TryParse(text, out var port) && port is > 0 and <= 65535
            ? port
            : throw map.Error(node, $"'{text}' is not a port number; '{key}' in {map.What} must be from 1 to 65535.");
    }

    /// <summary>An optional whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static int Count(YamlMap map, string key, int fallback, int min, int max)
    {
        if (map.Find(key) is not { } node) return fallback;
        var text = YamlValue.Text(map, node, key);
        return int.TryParse(text, out var count) && count >= min && count <= max
            ? count
            : throw map.Error(node, $"'{text}' is not a count from {min} to {max}; '{key}' in {map.What} must be one.");
    }

    public static TimeSpan Duration(YamlMap map, string key, TimeSpan fallback)
    {
        if (map.Find(key) is not { } node) return fallback;
        var text = YamlValue.Text(map, node, key);
        if (!Durations.TryParse(text, out var duration))
            throw map.Error(node, $"'{text}' is not a duration; '{key}' in {map.What} must be {Durations.Expected}.");
        return duration > TimeSpan.Zero ? duration : throw map.Error(node, $"'{key}' in {map.What} must be longer than zero.");
    }

    /// <summary>host:port with a port from 1 to 65535; an IPv6 host in brackets ([::1]:41001). Returns the address normalised for comparison.</summary>
    public static string Address(YamlMap map, string key, out string text)
    {
        var node = map.Required(key);
        text = YamlValue.Text(map, node, key);
        return HostPort(text) ?? throw map.Error(node,
            $"'{text}' is not host:port; '{key}' in {map.What} must be an address and a port from 1 to 65535, e.g. 127.0.0.1:41001.");
    }

    /// <summary>The address in the form the definition compares (host lower-cased), or null when <paramref name="text"/> is not host:port.</summary>
    public static string? HostPort(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 1 or > 65535) return null;
        var host = text[..colon];
        var bracketed = host.StartsWith('[') && host.EndsWith(']') && host.Length > 2;
        if (host.Any(char.IsWhiteSpace) || (!bracketed && host.IndexOfAny([':', '[', ']', '/']) >= 0)) return null;
        return $"{host.ToLowerInvariant()}:{port}";
    }
}
