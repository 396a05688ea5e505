using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace VolumeManager.Engine.Serialization;

/// <summary>Typed values of YAML nodes; a value of the wrong shape or type is an error naming its key and where it is.</summary>
internal static class YamlValue
{
    public static string Text(YamlMap owner, YamlNode value, string key) => value is YamlScalarNode { Value: { } text }
        ? text
        : throw owner.Error(value, $"expected a single value for '{key}' in {owner.What}, found {Describe(value)}.");

    public static long Long(YamlMap owner, YamlNode value, string key)
    {
        var text = Text(owner, value, key);
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw owner.Error(value, $"'{text}' is not a whole number; '{key}' in {owner.What} must be one.");
    }

    public static Guid Guid(YamlMap owner, YamlNode value, string key)
    {
        var text = Text(owner, value, key);
        return System.Guid.TryParse(text, out var id)
            ? id
            : throw owner.Error(value, $"'{text}' is not a GUID; '{key}' in {owner.What} must be one (e.g. 6f1c2a9e-1b2c-4d5e-8f90-0123456789ab).");
    }

    public static bool Bool(YamlMap owner, YamlNode value, string key) => Text(owner, value, key) switch
    {
        "true" or "True" => true,
        "false" or "False" => false,
        var text => throw owner.Error(value, $"'{text}' is not true or false; '{key}' in {owner.What} must be one of them."),
    };

    public static IReadOnlyList<YamlNode> Sequence(YamlMap owner, YamlNode value, string key) => value is YamlSequenceNode sequence
        ? sequence.Children.ToList()
        : throw owner.Error(value, $"expected a list for '{key}' in {owner.What}, found {Describe(value)}.");

    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode { Value: var text } => $"the value '{text}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "an alias",
    };
}
