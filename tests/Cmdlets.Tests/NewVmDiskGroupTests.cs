using System.Management.Automation;

namespace VolumeManager.Cmdlets.Tests;

/// <summary>
/// New-VmDiskGroup with no cluster connected (nothing in this process connects one). It checks the names
/// first and resolves the cluster after, so a bad name is reported as such even without a cluster.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class NewVmDiskGroupTests(ModuleSession session)
{
    [Theory]
    [InlineData("")]
    [InlineData("-Shared")]
    [InlineData("-Shared -WhatIf")]
    [InlineData("-Shared -CheckOnly")]
    [InlineData("-Node n2")]
    [InlineData("-Node n2 -WhatIf")]
    public void WithoutAClusterFailsWithNoClusterConnected(string switches)
    {
        var result = session.Run($"New-VmDiskGroup -Name dg01 -Disk d01, d02 {switches}");

        Assert.Empty(result.Output);
        var error = result.SingleError();
        Assert.Equal("NoClusterConnected", RunResult.ErrorId(error));
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        var message = RunResult.Message(error);
        Assert.Contains("No cluster is connected", message);
        Assert.Contains("Connect-VmCluster", message);
        Assert.Contains("Start-VmLocalCluster", message);
    }

    public static TheoryData<string, string> BadNames => new()
    {
        { "../x", "not valid" },
        { "a;b", "not valid" },
        { "white space", "not valid" },
        { "-dash", "not valid" },
        { new string('a', 200), "200 characters long" },
        { new string('b', 32), "32 characters long" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public void ABadGroupNameFailsWithInvalidNameNamingTheInput(string name, string reason)
    {
        var result = session.Run("New-VmDiskGroup -Name $args[0] -Disk d01 -Shared", name);

        Assert.Empty(result.Output);
        var error = result.SingleError();
        Assert.Equal("InvalidName", RunResult.ErrorId(error));
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(name, error.TargetObject);
        var message = RunResult.Message(error);
        Assert.Contains("disk group name", message);
        Assert.Contains(reason, message);
        // Long names are shortened in the message (37 characters and '...'); the TargetObject carries all of it.
        Assert.Contains(name.Length <= 40 ? $"'{name}'" : $"'{name[..37]}...'", message);
    }

    [Theory]
    [InlineData("../d")]
    [InlineData("d;rm")]
    public void ABadDiskNameFailsWithInvalidNameNamingTheDisk(string disk)
    {
        var result = session.Run("New-VmDiskGroup -Name dg01 -Disk d01, $args[0] -Shared", disk);

        var error = result.SingleError();
        Assert.Equal("InvalidName", RunResult.ErrorId(error));
        Assert.Equal(disk, error.TargetObject);
        Assert.Contains($"disk name '{disk}'", RunResult.Message(error));
    }

    /// <summary>An empty -Name never reaches the cmdlet: PowerShell's binder refuses it for the mandatory parameter.</summary>
    [Fact]
    public void AnEmptyGroupNameIsRefusedByTheParameterBinder()
    {
        var result = session.Run("New-VmDiskGroup -Name '' -Disk d01 -Shared");

        Assert.Empty(result.Output);
        var error = result.SingleError();
        Assert.IsAssignableFrom<ParameterBindingException>(error.Exception);
        Assert.Equal("ParameterArgumentValidationErrorEmptyStringNotAllowed", RunResult.ErrorId(error));
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains("parameter 'Name'", RunResult.Message(error));
    }
}
