using System.Collections;
using System.Management.Automation;

namespace VolumeManager.Cmdlets.Tests;

/// <summary>The module's public surface as Get-Command and Get-FormatData show it: exports, OutputType, ShouldProcess, views.</summary>
[Collection(ModuleCollection.Name)]
public sealed class ModuleSurfaceTests(ModuleSession session)
{
    /// <summary>Verbs whose cmdlets change state (docs/API.md: every state-changing command supports -WhatIf/-Confirm).</summary>
    private static readonly HashSet<string> ChangingVerbs = new(StringComparer.OrdinalIgnoreCase)
    {
        "New", "Remove", "Add", "Initialize", "Stop", "Resize", "Set", "Import", "Export",
    };

    /// <summary>State-changing commands whose verb alone does not say so.</summary>
    private static readonly HashSet<string> ChangingByName = new(StringComparer.OrdinalIgnoreCase) { "Invoke-VmConfiguration" };

    private string[] ManifestCmdlets()
    {
        var data = session.Run("Import-PowerShellDataFile -LiteralPath $args[0]", BuiltModule.Manifest);
        Assert.Empty(data.Errors);
        var manifest = (Hashtable)data.Output.Single().BaseObject;
        var list = manifest["CmdletsToExport"] switch
        {
            object[] items => items.Select(i => i.ToString()!).ToArray(),
            string one => [one],
            var other => throw new InvalidOperationException($"CmdletsToExport is {other?.GetType().Name ?? "missing"}, not a list of names."),
        };
        Assert.NotEmpty(list);
        Assert.True(list.Length == list.Distinct(StringComparer.OrdinalIgnoreCase).Count(), $"CmdletsToExport names a cmdlet twice: {string.Join(", ", list)}");
        return list;
    }

    private List<CmdletInfo> ExportedCmdlets()
    {
        var result = session.Run("Get-Command -Module $args[0]", BuiltModule.Name);
        Assert.Empty(result.Errors);
        var commands = result.Output.Select(o => o.BaseObject).ToList();
        Assert.NotEmpty(commands);
        return commands.Cast<CmdletInfo>().ToList();
    }

    [Fact]
    public void ExportsEveryCmdletOfTheManifestAndNothingElse()
    {
        var expected = ManifestCmdlets().Order(StringComparer.OrdinalIgnoreCase).ToArray();
        var result = session.Run("Get-Command -Module $args[0]", BuiltModule.Name);
        Assert.Empty(result.Errors);
        var commands = result.Output.Select(o => (CommandInfo)o.BaseObject).ToList();

        var notCmdlets = commands.Where(c => c.CommandType != CommandTypes.Cmdlet).Select(c => $"{c.Name} ({c.CommandType})").ToList();
        Assert.True(notCmdlets.Count == 0, $"The module exports commands that are not cmdlets: {string.Join(", ", notCmdlets)}");
        var missing = expected.Except(commands.Select(c => c.Name), StringComparer.OrdinalIgnoreCase).ToList();
        Assert.True(missing.Count == 0, $"CmdletsToExport lists cmdlets the module does not export: {string.Join(", ", missing)}");
        var extra = commands.Select(c => c.Name).Except(expected, StringComparer.OrdinalIgnoreCase).ToList();
        Assert.True(extra.Count == 0, $"The module exports cmdlets CmdletsToExport does not list: {string.Join(", ", extra)}");

        Assert.Equal(expected, session.Module.ExportedCmdlets.Keys.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
        Assert.Empty(session.Module.ExportedFunctions);
        Assert.Empty(session.Module.ExportedAliases);
        Assert.Empty(session.Module.ExportedVariables);
    }

    [Fact]
    public void EveryExportedCmdletDeclaresOutputType()
    {
        var without = ExportedCmdlets().Where(c => c.OutputType.Count == 0).Select(c => c.Name).ToList();
        Assert.True(without.Count == 0, $"Cmdlets without [OutputType]: {string.Join(", ", without)}");
    }

    [Fact]
    public void EveryStateChangingCmdletSupportsShouldProcess()
    {
        var changing = ExportedCmdlets().Where(c => ChangingVerbs.Contains(c.Verb) || ChangingByName.Contains(c.Name)).ToList();
        Assert.NotEmpty(changing);
        var problems = new List<string>();
        foreach (var cmdlet in changing)
        {
            if (!new CommandMetadata(cmdlet).SupportsShouldProcess) problems.Add($"{cmdlet.Name}: SupportsShouldProcess is not set");
            if (!cmdlet.Parameters.ContainsKey("WhatIf") || !cmdlet.Parameters.ContainsKey("Confirm")) problems.Add($"{cmdlet.Name}: no -WhatIf/-Confirm");
        }
        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    [Fact]
    public void EveryRemoveCmdletHasConfirmImpactHigh()
    {
        var removes = ExportedCmdlets().Where(c => c.Verb == "Remove").ToList();
        Assert.NotEmpty(removes);
        var low = removes.Select(c => (c.Name, Impact: new CommandMetadata(c).ConfirmImpact)).Where(c => c.Impact != ConfirmImpact.High).ToList();
        Assert.True(low.Count == 0, $"Remove-* cmdlets without ConfirmImpact High: {string.Join(", ", low.Select(c => $"{c.Name} ({c.Impact})"))}");
    }

    [Fact]
    public void EveryPublicOutputTypeHasATableView()
    {
        var moduleAssembly = ExportedCmdlets().First().ImplementingType.Assembly;
        var outputTypes = ExportedCmdlets()
            .SelectMany(c => c.OutputType.Select(t => (Cmdlet: c.Name, Type: t)))
            .Where(o => o.Type.Type is { } type ? type.Assembly == moduleAssembly && type.IsPublic : o.Type.Name.StartsWith("VolumeManager.", StringComparison.Ordinal))
            .GroupBy(o => o.Type.Name)
            .ToList();
        Assert.NotEmpty(outputTypes);

        var problems = new List<string>();
        foreach (var type in outputTypes)
        {
            var data = session.Run("Get-FormatData -TypeName $args[0]", type.Key);
            Assert.Empty(data.Errors);
            var views = data.Output.Select(o => o.BaseObject).OfType<ExtendedTypeDefinition>().SelectMany(d => d.FormatViewDefinition).ToList();
            if (!views.Any(v => v.Control is TableControl))
                problems.Add($"{type.Key} (output of {string.Join(", ", type.Select(t => t.Cmdlet))}) has {(views.Count == 0 ? "no view" : "no table view")}");
        }
        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }
}
