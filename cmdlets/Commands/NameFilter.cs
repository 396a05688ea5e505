using System.Management.Automation;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>Name filtering as Get-* commands do it: wildcards match quietly, an exact name that matches nothing is an error.</summary>
internal static class NameFilter
{
    public static IEnumerable<T> Apply<T>(IEnumerable<T> items, Func<T, string> name, string[]? patterns, Cmdlet cmdlet, string what, string errorId)
    {
        var list = items.ToList();
        if (patterns is null || patterns.Length == 0) return list;
        var matched = new List<T>();
        foreach (var pattern in patterns)
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.None);
            var hits = list.Where(i => wildcard.IsMatch(name(i))).ToList();
            if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                cmdlet.WriteError(new ErrorRecord(new ItemNotFoundException($"No {what} named '{pattern}' exists."), errorId, ErrorCategory.ObjectNotFound, pattern));
            matched.AddRange(hits.Where(h => !matched.Contains(h)));
        }
        return matched;
    }
}
