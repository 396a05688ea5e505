using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;

namespace VolumeManager.Engine.Tests.Engine;

public sealed class LocalChecksTests
{
    private static readonly DiskRef D1 = Fixtures.Disk("d1", 1);
    private static readonly DiskRef D2 = Fixtures.Disk("d2", 2);
    private static readonly DiskRef D3 = Fixtures.Disk("d3", 3);

    private static ClusterView View() => new()
    {
        ClusterName = "demo", ClusterId = Fixtures.ClusterId, Master = "n1", Generation = 4,
        Members = [new MemberInfo { Name = "n1", State = MemberState.Joined }, new MemberInfo { Name = "n2", Rank = 1, State = MemberState.Joined }],
        DiskGroups = [new DiskGroup { Name = "dg01", Id = Guid.NewGuid(), Shared = true, Disks = [D3] }],
        Disks = [Fixtures.Visible(D1, null, "n1", "n2"), Fixtures.Visible(D2, null, "n1", "n2"), Fixtures.Visible(D3, "dg01", "n1", "n2")],
    };

    private static CreateDiskGroup Create(string name, params DiskRef[] disks) =>
        new() { DiskGroup = name, Id = Guid.NewGuid(), Shared = true, Disks = [.. disks] };

    private static CheckResult OnlyFailure(List<CheckResult> checks) => Assert.Single(checks, c => !c.Passed);

    [Fact]
    public void Creating_a_group_on_free_known_disks_passes_every_check()
    {
        var checks = LocalChecks.Run(View(), Create("dg02", D1, D2));

        Assert.All(checks, c => Assert.True(c.Passed, c.Message));
        Assert.Contains(checks, c => c.Name == ErrorIds.DiskGroupNameExists);
        Assert.Equal(2, checks.Count(c => c.Name == ErrorIds.DiskInUse));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("../x", "'../x' is not valid")]
    [InlineData("a;b", "'a;b' is not valid")]
    [InlineData("-x", "starting with a letter or digit")]
    public void An_invalid_disk_group_name_is_InvalidName(string name, string reason)
    {
        var failure = OnlyFailure(LocalChecks.Run(View(), Create(name, D1)));

        Assert.Equal(ErrorIds.InvalidName, failure.Name);
        Assert.Contains("disk group name", failure.Message);
        Assert.Contains(reason, failure.Message);
    }

    [Fact]
    public void A_200_character_name_is_InvalidName_giving_its_length_and_the_limit()
    {
        var failure = OnlyFailure(LocalChecks.Run(View(), Create(new string('a', 200), D1)));

        Assert.Equal(ErrorIds.InvalidName, failure.Name);
        Assert.Contains("200 characters long; at most 31", failure.Message);
        Assert.Contains("'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'", failure.Message);
    }

    [Fact]
    public void An_invalid_disk_name_is_InvalidName_and_nothing_else_is_checked()
    {
        var checks = LocalChecks.Run(View(), Create("dg01", new DiskRef { Name = "bad/disk" }));

        var failure = OnlyFailure(checks);
        Assert.Equal(ErrorIds.InvalidName, failure.Name);
        Assert.Contains("disk name 'bad/disk'", failure.Message);
        Assert.DoesNotContain(checks, c => c.Name == ErrorIds.DiskGroupNameExists);
    }

    [Fact]
    public void An_existing_group_name_is_DiskGroupNameExists()
    {
        var failure = OnlyFailure(LocalChecks.Run(View(), Create("dg01", D1)));

        Assert.Equal(ErrorIds.DiskGroupNameExists, failure.Name);
        Assert.Contains("shared disk group named 'dg01' already exists", failure.Message);
    }

    [Fact]
    public void An_unknown_disk_is_DiskNotFound_naming_it()
    {
        var failure = OnlyFailure(LocalChecks.Run(View(), Create("dg02", D1, Fixtures.Disk("d9", 9))));

        Assert.Equal(ErrorIds.DiskNotFound, failure.Name);
        Assert.Contains("'d9'", failure.Message);
    }

    [Fact]
    public void No_disk_at_all_is_DiskNotFound()
    {
        var failure = OnlyFailure(LocalChecks.Run(View(), Create("dg02")));

        Assert.Equal(ErrorIds.DiskNotFound, failure.Name);
    }

    [Fact]
    public void A_disk_in_another_group_is_DiskInUse_naming_the_disk_and_its_group()
    {
        var failure = OnlyFailure(LocalChecks.Run(View(), Create("dg02", D1, D3)));

        Assert.Equal(ErrorIds.DiskInUse, failure.Name);
        Assert.Contains("Disk 'd3' already belongs to disk group 'dg01'", failure.Message);
    }

    [Fact]
    public void Removing_an_unknown_group_is_DiskGroupNotFound()
    {
        var failure = OnlyFailure(LocalChecks.Run(View(), new RemoveDiskGroup { DiskGroup = "dg09" }));

        Assert.Equal(ErrorIds.DiskGroupNotFound, failure.Name);
        Assert.Contains("'dg09'", failure.Message);
    }

    [Fact]
    public void Removing_a_group_with_volumes_is_refused_unless_forced()
    {
        var view = View();
        view.DiskGroups[0].Volumes = [new Volume { Name = "v1", SizeBytes = 1 << 20 }];

        var refused = OnlyFailure(LocalChecks.Run(view, new RemoveDiskGroup { DiskGroup = "dg01" }));
        var forced = LocalChecks.Run(view, new RemoveDiskGroup { DiskGroup = "dg01", Force = true });

        Assert.Equal(ErrorIds.DiskGroupHasVolumes, refused.Name);
        Assert.Contains("'dg01' holds 1 volume(s)", refused.Message);
        Assert.Contains("-Force", refused.Message);
        Assert.All(forced, c => Assert.True(c.Passed, c.Message));
    }

    [Fact]
    public void Removing_an_empty_group_passes()
    {
        Assert.All(LocalChecks.Run(View(), new RemoveDiskGroup { DiskGroup = "dg01" }), c => Assert.True(c.Passed, c.Message));
    }

    [Fact]
    public void Removing_with_an_invalid_name_is_InvalidName()
    {
        Assert.Equal(ErrorIds.InvalidName, OnlyFailure(LocalChecks.Run(View(), new RemoveDiskGroup { DiskGroup = "a;b" })).Name);
    }
}
