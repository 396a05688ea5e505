using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VolumeManager.Engine.Serialization;

/// <summary>YAML text to a node tree and back, with errors that name the source, line and column.</summary>
internal static partial class YamlText
{
    /// <summary>Plain scalars another YAML reader would take for a number, boolean or null: written quoted.</summary>
    [GeneratedRegex(@"^(~|null|true|false|yes|no|on|off|y|n|[-+]?[0-9][0-9_.:eE+-]*|[-+]?\.[A-Za-z]+)$", RegexOptions.IgnoreCase)]
    private static partial Regex LooksTyped();

    public static YamlNode LoadRoot(string text, string sourceName)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try { stream.Load(parser); }
        catch (YamlException e) { throw Invalid(sourceName, e.Start, e.Message, e); }
        // YamlDotNet's scanner fails on some malformed flow collections with a bare InvalidOperationException.
        catch (InvalidOperationException e) { throw Invalid(sourceName, parser.Current?.End ?? Mark.Empty, "a malformed value follows this point", e); }
        return stream.Documents.Count switch
        {
            0 => throw new ConfigurationFormatException(sourceName, 1, 1, "the text is empty; expected a YAML mapping."),
            1 => stream.Documents[0].RootNode,
            _ => throw Error(sourceName, stream.Documents[1].RootNode, "more than one YAML document; expected exactly one."),
        };
    }

    private static ConfigurationFormatException Invalid(string sourceName, Mark at, string problem, Exception inner) =>
        new(sourceName, Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column), $"not valid YAML: {problem}", inner);

    public static ConfigurationFormatException Error(string sourceName, YamlNode at, string problem) =>
        new(sourceName, Math.Max(1, (int)at.Start.Line), Math.Max(1, (int)at.Start.Column), problem);

    /// <summary>Block style, keys in the order given, "\n" line ends and an explicit end marker "...": same tree, same text.</summary>
    public static string Emit(YamlNode root)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        return writer.ToString().Replace("\r\n", "\n");
    }

    public static YamlMappingNode Map(params (string Key, YamlNode? Value)[] entries)
    {
        var map = new YamlMappingNode();
        foreach (var (key, value) in entries)
            if (value is not null) map.Add(key, value);
        return map;
    }

    public static YamlSequenceNode Sequence(IEnumerable<YamlNode> items)
    {
        var sequence = new YamlSequenceNode(items);
        if (sequence.Children.Count == 0) sequence.Style = YamlDotNet.Core.Events.SequenceStyle.Flow;
        return sequence;
    }

    public static YamlScalarNode? Text(string? value) => value is null ? null
        : new YamlScalarNode(value) { Style = value.Length == 0 || LooksTyped().IsMatch(value) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any };

    public static YamlScalarNode Number(long value) => new(value.ToString(CultureInfo.InvariantCulture));

    public static YamlScalarNode Flag(bool value) => new(value ? "true" : "false");

    public static YamlScalarNode Id(Guid value) => new(value.ToString("D"));
}
