using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace VolumeManager.Cmdlets.Tests;

/// <summary>
/// One runspace in this process with the built module imported from output/ (once for all tests: the
/// module's load context is process-wide anyway). Tests run scripts in it one at a time.
/// </summary>
public sealed class ModuleSession : IDisposable
{
    private readonly Runspace runspace;
    private readonly Lock gate = new();

    public ModuleSession()
    {
        var manifest = BuiltModule.Manifest;
        runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault());
        runspace.Open();
        var import = Run("Import-Module -Name $args[0] -PassThru -ErrorAction Stop", manifest);
        if (import.Errors.Count > 0 || import.Output.Count != 1 || import.Output[0].BaseObject is not PSModuleInfo module)
            throw new InvalidOperationException($"Import-Module {manifest} failed: {string.Join("; ", import.Errors)}");
        if (!string.Equals(Path.GetFullPath(module.ModuleBase).TrimEnd('/'), BuiltModule.Directory, StringComparison.Ordinal))
            throw new InvalidOperationException($"The module was imported from {module.ModuleBase}, not from the built layout {BuiltModule.Directory}.");
        Module = module;
    }

    /// <summary>The imported module, as Import-Module -PassThru returned it.</summary>
    public PSModuleInfo Module { get; }

    /// <summary>
    /// Runs a script as a user would type it; <paramref name="arguments"/> reach it as $args. Errors are what
    /// the user sees: non-terminating and statement-terminating ones, and the one a script-terminating error carries.
    /// </summary>
    public RunResult Run(string script, params object?[] arguments)
    {
        lock (gate)
        {
            using var ps = PowerShell.Create(runspace);
            ps.AddScript(script);
            foreach (var argument in arguments) ps.AddArgument(argument);
            try
            {
                var output = ps.Invoke();
                return new RunResult(output, [.. ps.Streams.Error]);
            }
            catch (RuntimeException e)
            {
                return new RunResult([], [.. ps.Streams.Error, e.ErrorRecord]);
            }
        }
    }

    public void Dispose() => runspace.Dispose();
}

public sealed record RunResult(Collection<PSObject> Output, IReadOnlyList<ErrorRecord> Errors)
{
    /// <summary>The single error the command wrote; fails the test naming what came out instead.</summary>
    public ErrorRecord SingleError()
    {
        Assert.True(Errors.Count == 1, $"Expected exactly one error, got {Errors.Count}: {string.Join(" | ", Errors.Select(Describe))}");
        return Errors[0];
    }

    /// <summary>The error id as the user reads it in $Error[0].FullyQualifiedErrorId, before the comma.</summary>
    public static string ErrorId(ErrorRecord error) => error.FullyQualifiedErrorId.Split(',')[0];

    /// <summary>The message the console shows: ErrorDetails when set, else the exception's.</summary>
    public static string Message(ErrorRecord error) => error.ErrorDetails?.Message ?? error.Exception.Message;

    public static string Describe(ErrorRecord error) => $"[{error.FullyQualifiedErrorId}] {Message(error)}";
}

[CollectionDefinition(Name)]
public sealed class ModuleCollection : ICollectionFixture<ModuleSession>
{
    public const string Name = "Built module, imported in-process";
}
