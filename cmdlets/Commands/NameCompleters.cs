using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VolumeManager.Cmdlets.Remoting;
using VolumeManager.Engine.Model;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>
/// Tab completion of the names in the default cluster's configuration, as the local node (or -Node) sees it.
/// Bounded: a cluster that does not answer within two seconds completes nothing.
/// </summary>
internal static class ViewForCompletion
{
    public static ClusterView? Read(IDictionary fakeBoundParameters)
    {
        if (ClusterRegistry.OfThisThread is not { } cluster) return null;
        var node = fakeBoundParameters["Node"] as string;
        try
        {
            var read = Task.Run(() => cluster.Connection.ViewAsync(node, CancellationToken.None));
            return read.Wait(TimeSpan.FromSeconds(2)) ? read.Result : null;
        }
        catch (Exception) { return null; }
    }

    public static IEnumerable<CompletionResult> Matching(IEnumerable<string> names, string word)
    {
        var pattern = WildcardPattern.Get((word ?? "").Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return names.Where(pattern.IsMatch).Order(StringComparer.Ordinal).Select(n => new CompletionResult(n));
    }
}

public sealed class DiskGroupNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ViewForCompletion.Read(fakeBoundParameters) is { } view
            ? ViewForCompletion.Matching(view.DiskGroups.Select(g => g.Name), wordToComplete)
            : [];
}

public sealed class VolumeNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (ViewForCompletion.Read(fakeBoundParameters) is not { } view) return [];
        var group = fakeBoundParameters["DiskGroup"] as string;
        var groups = view.DiskGroups.Where(g => group is null || NameRules.Same(g.Name, group));
        return ViewForCompletion.Matching(groups.SelectMany(g => g.Volumes).Select(v => v.Name).Distinct(), wordToComplete);
    }
}

public sealed class PlexNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (ViewForCompletion.Read(fakeBoundParameters) is not { } view) return [];
        var group = fakeBoundParameters["DiskGroup"] as string;
        var volume = fakeBoundParameters["Volume"] as string;
        var plexes = view.DiskGroups.Where(g => group is null || NameRules.Same(g.Name, group))
            .SelectMany(g => g.Volumes).Where(v => volume is null || NameRules.Same(v.Name, volume))
            .SelectMany(v => v.Plexes).Select(p => p.Name).Distinct();
        return ViewForCompletion.Matching(plexes, wordToComplete);
    }
}

/// <summary>Nodes: every node of the default cluster's definition, whatever its state (no round trip to the cluster).</summary>
public sealed class NodeNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ClusterRegistry.OfThisThread is { } cluster
            ? ViewForCompletion.Matching(cluster.Connection.Definition.Nodes.Select(n => n.Name), wordToComplete)
            : [];
}

/// <summary>Disks: every disk the local node (or -Node) can open.</summary>
public sealed class DiskNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ViewForCompletion.Read(fakeBoundParameters) is { } view
            ? ViewForCompletion.Matching(view.Disks.Select(d => d.Name).Distinct(), wordToComplete)
            : [];
}

/// <summary>Disks: in the named disk group for Remove-VmDisk and Add-VmMirror, free disks for Add-VmDisk and New-VmDiskGroup.</summary>
public sealed class GroupDiskNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (ViewForCompletion.Read(fakeBoundParameters) is not { } view) return [];
        var group = fakeBoundParameters["DiskGroup"] as string;
        var wantsFree = commandName.Equals("Add-VmDisk", StringComparison.OrdinalIgnoreCase)
            || commandName.Equals("New-VmDiskGroup", StringComparison.OrdinalIgnoreCase);
        var names = wantsFree
            ? view.Disks.Where(d => string.IsNullOrEmpty(d.DiskGroup)).Select(d => d.Name)
            : view.DiskGroups.Where(g => group is null || NameRules.Same(g.Name, group)).SelectMany(g => g.Disks).Select(d => d.Name);
        return ViewForCompletion.Matching(names.Distinct(), wordToComplete);
    }
}
