using System.Text.RegularExpressions;

namespace VolumeManager.Engine.Model;

/// <summary>What a volume-manager object name may be: a letter or digit, then letters, digits, '.', '_' or '-', at most 31.</summary>
public static partial class NameRules
{
    public const int MaxLength = 31;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex Pattern();

    /// <summary>Null when the name is valid, otherwise the reason it is not.</summary>
    public static string? Problem(string? name, string what)
    {
        if (string.IsNullOrEmpty(name)) return $"The {what} name is empty.";
        if (name.Length > MaxLength) return $"The {what} name '{Shorten(name)}' is {name.Length} characters long; at most {MaxLength} are allowed.";
        if (!Pattern().IsMatch(name)) return $"The {what} name '{Shorten(name)}' is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit.";
        return null;
    }

    public static bool Same(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);

    private static string Shorten(string name) => name.Length <= 40 ? name : name[..37] + "...";
}
