using YamlDotNet.RepresentationModel;

namespace VolumeManager.Engine.Serialization;

/// <summary>
/// One YAML mapping read by key: required and optional values, typed, and unknown keys refused —
/// every error naming the source, line, column and the key or value at fault.
/// </summary>
internal sealed class YamlMap
{
    private readonly YamlMappingNode node;

    private YamlMap(YamlMappingNode node, string sourceName, string what)
    {
        this.node = node;
        SourceName = sourceName;
        What = what;
    }

    public string SourceName { get; }

    /// <summary>What the mapping describes, for messages: "the cluster definition", "node 'n1'".</summary>
    public string What { get; }

    public YamlNode Node => node;

    public static YamlMap From(YamlNode value, string sourceName, string what) => value is YamlMappingNode map
        ? new YamlMap(map, sourceName, what)
        : throw YamlText.Error(sourceName, value, $"expected {what} to be a mapping of keys to values, found {YamlValue.Describe(value)}.");

    public YamlMap With(YamlNode value, string what) => From(value, SourceName, what);

    /// <summary>Refuses any key not in <paramref name="known"/>, naming it and the keys that are allowed.</summary>
    public YamlMap AllowOnly(params string[] known)
    {
        foreach (var key in node.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (name is null || !known.Contains(name, StringComparer.Ordinal))
                throw Error(key, $"unknown key '{name ?? YamlValue.Describe(key)}' in {What}; expected one of: {string.Join(", ", known)}.");
        }
        return this;
    }

    public bool Has(string key) => Find(key) is not null;

    public YamlNode? Find(string key) => node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public YamlNode Required(string key) => Find(key) ?? throw Error(node, $"missing required key '{key}' in {What}.");

    public string String(string key) => YamlValue.Text(this, Required(key), key);

    public string? OptionalString(string key) => Find(key) is { } value ? YamlValue.Text(this, value, key) : null;

    public long Long(string key) => YamlValue.Long(this, Required(key), key);

    public Guid Guid(string key) => YamlValue.Guid(this, Required(key), key);

    public bool Bool(string key) => YamlValue.Bool(this, Required(key), key);

    public YamlMap Map(string key, string what) => With(Required(key), what);

    public IReadOnlyList<YamlNode> Sequence(string key) => YamlValue.Sequence(this, Required(key), key);

    public IReadOnlyList<YamlNode> OptionalSequence(string key) => Find(key) is { } value ? YamlValue.Sequence(this, value, key) : [];

    public ConfigurationFormatException Error(YamlNode at, string problem) => YamlText.Error(SourceName, at, problem);
}
