namespace VolumeManager.Engine.Serialization;

/// <summary>A configuration text (cluster definition, configuration database, disk copy) that cannot be read: what and where.</summary>
public sealed class ConfigurationFormatException : Exception
{
    public ConfigurationFormatException(string sourceName, int line, int column, string problem, Exception? inner = null)
        : base($"{sourceName}, line {line}, column {column}: {problem}", inner)
    {
        SourceName = sourceName;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>The file path or other name the text was read from.</summary>
    public string SourceName { get; }
    public int Line { get; }
    public int Column { get; }
    /// <summary>The message without its location.</summary>
    public string Problem { get; }
}
