using System.Management.Automation;

namespace VolumeManager.Cmdlets.Tests;

/// <summary>
/// Initialize-VmDisk on sparse image files in a temp folder. Get-VmDisk needs a cluster, so what the cmdlet
/// wrote is read back with the engine's own decoder (<see cref="EngineReader"/>). ConfirmImpact is High, so
/// each call says -Confirm:$false as a script would.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class InitializeVmDiskTests(ModuleSession session) : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private RunResult Initialize(string name, string path, string switches = "-Confirm:$false") =>
        session.Run($"Initialize-VmDisk -Name $args[0] -Path $args[1] {switches}", name, path);

    private static void AssertUnchanged(string path, byte[] before, long length)
    {
        Assert.Equal(length, new FileInfo(path).Length);
        Assert.True(before.AsSpan().SequenceEqual(File.ReadAllBytes(path)), $"{path} was changed.");
    }

    [Fact]
    public void WritesAPrivateRegionTheEngineReadsBack()
    {
        var disk = temp.SparseFile("d01.img", 4 * MiB);

        var result = Initialize("d01", disk);

        Assert.Empty(result.Errors);
        var written = Assert.Single(result.Output);
        Assert.Equal("VolumeManager.Cmdlets.Objects.VmDisk", written.BaseObject.GetType().FullName);
        Assert.Equal("d01", written.Properties["Name"].Value);
        Assert.Equal(disk, written.Properties["Path"].Value);
        Assert.Equal(3L * MiB, written.Properties["Size"].Value);
        Assert.Equal("Free", written.Properties["State"].Value);
        var id = Assert.IsType<Guid>(written.Properties["Id"].Value);
        Assert.NotEqual(Guid.Empty, id);

        var region = EngineReader.DecodeFile(disk);
        Assert.Equal(new DecodedRegion("Valid", null, id, "d01", "", Guid.Empty, 0), region);
        // Only the private region is written: the public region stays as it was, and the file keeps its size.
        Assert.Equal(4L * MiB, new FileInfo(disk).Length);
        using var stream = File.OpenRead(disk);
        stream.Position = MiB;
        var rest = new byte[3 * MiB];
        stream.ReadExactly(rest);
        Assert.True(rest.AsSpan().IndexOfAnyExcept((byte)0) < 0, "Initialize-VmDisk wrote past the first MiB.");
    }

    [Fact]
    public void ResolvesARelativePathAgainstTheCurrentLocation()
    {
        temp.SparseFile("rel.img", 4 * MiB);

        var result = session.Run("Push-Location -LiteralPath $args[0]; try { Initialize-VmDisk -Name rel -Path ./rel.img -Confirm:$false } finally { Pop-Location }", temp.Path);

        Assert.Empty(result.Errors);
        Assert.Equal(temp.File("rel.img"), Assert.Single(result.Output).Properties["Path"].Value);
        Assert.Equal("rel", EngineReader.DecodeFile(temp.File("rel.img")).DiskName);
    }

    [Fact]
    public void RefusesAnInitialisedDiskWithoutForceAndLeavesItUnchanged()
    {
        var disk = temp.SparseFile("d01.img", 4 * MiB);
        Assert.Empty(Initialize("d01", disk).Errors);
        var before = File.ReadAllBytes(disk);
        var first = EngineReader.DecodeFile(disk);

        var result = Initialize("d02", disk);

        Assert.Empty(result.Output);
        var error = result.SingleError();
        Assert.Equal("DiskInUse", RunResult.ErrorId(error));
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(disk, error.TargetObject);
        var message = RunResult.Message(error);
        Assert.Contains("already disk 'd01'", message);
        Assert.Contains("-Force", message);
        AssertUnchanged(disk, before, 4 * MiB);
        Assert.Equal(first, EngineReader.DecodeFile(disk));
    }

    [Fact]
    public void ForceOverwritesAnInitialisedDiskWithANewIdentity()
    {
        var disk = temp.SparseFile("d01.img", 4 * MiB);
        Assert.Empty(Initialize("d01", disk).Errors);
        var first = EngineReader.DecodeFile(disk);

        var result = Initialize("d02", disk, "-Force -Confirm:$false");

        Assert.Empty(result.Errors);
        var region = EngineReader.DecodeFile(disk);
        Assert.Equal("Valid", region.Status);
        Assert.Equal("d02", region.DiskName);
        Assert.NotEqual(first.DiskId, region.DiskId);
        Assert.Equal(region.DiskId, Assert.Single(result.Output).Properties["Id"].Value);
    }

    [Fact]
    public void RefusesAMissingFile()
    {
        var missing = temp.File("missing.img");

        var result = Initialize("d01", missing);

        Assert.Empty(result.Output);
        var error = result.SingleError();
        Assert.Equal("DiskNotFound", RunResult.ErrorId(error));
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(missing, error.TargetObject);
        Assert.Contains(missing, RunResult.Message(error));
        Assert.False(File.Exists(missing), "Initialize-VmDisk created the missing file.");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(MiB)]
    [InlineData(2 * MiB - 1)]
    public void RefusesAFileTooSmallForAPrivateRegionAndSomePublicSpace(int length)
    {
        var disk = temp.SparseFile("small.img", length);
        var before = File.ReadAllBytes(disk);

        var result = Initialize("d01", disk);

        Assert.Empty(result.Output);
        var error = result.SingleError();
        Assert.Equal("InvalidSize", RunResult.ErrorId(error));
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(disk, error.TargetObject);
        Assert.Contains($"{length} bytes", RunResult.Message(error));
        AssertUnchanged(disk, before, length);
    }

    [Fact]
    public void AcceptsTheSmallestDisk()
    {
        var disk = temp.SparseFile("smallest.img", 2 * MiB);

        var result = Initialize("d01", disk);

        Assert.Empty(result.Errors);
        Assert.Equal((long)MiB, Assert.Single(result.Output).Properties["Size"].Value);
        Assert.Equal("d01", EngineReader.DecodeFile(disk).DiskName);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a;b")]
    public void RefusesABadDiskNameAndWritesNothing(string name)
    {
        var disk = temp.SparseFile("d01.img", 4 * MiB);

        var result = Initialize(name, disk);

        var error = result.SingleError();
        Assert.Equal("InvalidName", RunResult.ErrorId(error));
        Assert.Equal(name, error.TargetObject);
        Assert.Contains($"'{name}'", RunResult.Message(error));
        Assert.Equal("NotInitialized", EngineReader.DecodeFile(disk).Status);
    }

    [Fact]
    public void WhatIfWritesNothing()
    {
        var disk = temp.SparseFile("d01.img", 4 * MiB);
        var before = File.ReadAllBytes(disk);

        var result = Initialize("d01", disk, "-WhatIf");

        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        AssertUnchanged(disk, before, 4 * MiB);
        Assert.Equal("NotInitialized", EngineReader.DecodeFile(disk).Status);
    }

    [Fact]
    public void WhatIfWithForceLeavesAnInitialisedDiskAsItWas()
    {
        var disk = temp.SparseFile("d01.img", 4 * MiB);
        Assert.Empty(Initialize("d01", disk).Errors);
        var before = File.ReadAllBytes(disk);

        var result = Initialize("d02", disk, "-Force -WhatIf");

        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        AssertUnchanged(disk, before, 4 * MiB);
        Assert.Equal("d01", EngineReader.DecodeFile(disk).DiskName);
    }
}
