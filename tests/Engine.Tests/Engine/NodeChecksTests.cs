using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Tests.Engine;

public sealed class NodeChecksTests
{
    private static readonly DiskRef D1 = Fixtures.Disk("d1", 1);
    private static readonly DiskRef D2 = Fixtures.Disk("d2", 2);

    private static NodeDatabase Database(long generation = 4) => new()
    {
        ClusterId = Fixtures.ClusterId, Generation = generation,
        Shared = [new DiskGroup { Name = "dg01", Id = Guid.NewGuid(), Shared = true }],
    };

    private static List<DiskInfo> Visible() => [Fixtures.Visible(D1), Fixtures.Visible(D2)];

    private static Transaction Shared(long baseGeneration, params Operation[] operations) => new()
    {
        Id = "t1", Scope = TransactionScope.Shared, BaseGeneration = baseGeneration, Initiator = "n1", Coordinator = "n1",
        Members = ["n1", "n2"], Operations = [.. operations],
    };

    private static CreateDiskGroup Create(string name, params DiskRef[] disks) =>
        new() { DiskGroup = name, Id = Guid.NewGuid(), Shared = true, Disks = [.. disks] };

    private static CheckResult OnlyFailure(NodeCheckResult result)
    {
        Assert.False(result.Passed);
        return Assert.Single(result.Checks, c => !c.Passed);
    }

    [Fact]
    public void A_proposal_that_fits_passes_every_check_on_the_node()
    {
        var result = NodeChecks.Run("n2", Database(), Visible(), Shared(4, Create("dg02", D1, D2)));

        Assert.True(result.Passed);
        Assert.Equal(("n2", "t1"), (result.Node, result.TransactionId));
        Assert.All(result.Checks, c => Assert.True(c.Passed, c.Message));
        Assert.Contains(result.Checks, c => c.Name == ErrorIds.AgentHealthy);
        Assert.Contains(result.Checks, c => c.Name == ErrorIds.StaleGeneration);
        Assert.Equal($"node n2: all {result.Checks.Count} checks passed", result.Message);
        Assert.Null(result.FirstFailure);
    }

    [Fact]
    public void A_private_group_of_the_same_name_is_PrivateDiskGroupNameConflict_naming_the_node()
    {
        var db = Database();
        db.Private = [new DiskGroup { Name = "dg02", Id = Guid.NewGuid(), Owner = "n2" }];

        var result = NodeChecks.Run("n2", db, Visible(), Shared(4, Create("dg02", D1)));

        var failure = OnlyFailure(result);
        Assert.Equal(ErrorIds.PrivateDiskGroupNameConflict, failure.Name);
        Assert.Contains("node n2", failure.Message);
        Assert.Contains("'dg02'", failure.Message);
        Assert.Contains("node n2", result.Message);
    }

    [Fact]
    public void A_shared_group_of_the_same_name_is_DiskGroupNameExists()
    {
        var failure = OnlyFailure(NodeChecks.Run("n2", Database(), Visible(), Shared(4, Create("dg01", D1))));

        Assert.Equal(ErrorIds.DiskGroupNameExists, failure.Name);
        Assert.Contains("node n2", failure.Message);
    }

    [Fact]
    public void A_disk_the_node_cannot_open_is_DiskNotAccessible_naming_node_and_disk()
    {
        var result = NodeChecks.Run("n3", Database(), [Fixtures.Visible(D1)], Shared(4, Create("dg02", D1, D2)));

        var failure = OnlyFailure(result);
        Assert.Equal(ErrorIds.DiskNotAccessible, failure.Name);
        Assert.Contains("node n3", failure.Message);
        Assert.Contains("disk 'd2'", failure.Message);
        Assert.Same(failure, result.FirstFailure);
    }

    [Fact]
    public void A_disk_with_the_right_name_but_another_identity_is_not_accessible()
    {
        var impostor = Fixtures.Visible(new DiskRef { Name = "d2", Id = Guid.NewGuid(), SizeBytes = D2.SizeBytes });

        var failure = OnlyFailure(NodeChecks.Run("n2", Database(), [Fixtures.Visible(D1), impostor], Shared(4, Create("dg02", D1, D2))));

        Assert.Equal(ErrorIds.DiskNotAccessible, failure.Name);
    }

    [Fact]
    public void A_disk_the_node_sees_in_use_is_DiskInUse()
    {
        var failure = OnlyFailure(NodeChecks.Run("n2", Database(), [Fixtures.Visible(D1, "dgX")], Shared(4, Create("dg02", D1))));

        Assert.Equal(ErrorIds.DiskInUse, failure.Name);
        Assert.Contains("node n2 sees disk 'd1' in use by disk group 'dgX'", failure.Message);
    }

    [Fact]
    public void A_disk_a_group_of_the_configuration_holds_is_DiskInUse_though_its_copy_on_the_disk_is_not_written_yet()
    {
        var db = Database();
        db.Shared[0].Disks = [D1];   // committed, but the master died before writing the copies: d1 still reads free
        var failure = OnlyFailure(NodeChecks.Run("n2", db, Visible(), Shared(4, Create("dg02", D1))));

        Assert.Equal(ErrorIds.DiskInUse, failure.Name);
        Assert.Contains("disk 'd1' in disk group 'dg01'", failure.Message);
    }

    [Fact]
    public void A_node_behind_the_proposal_is_StaleGeneration_naming_both_generations()
    {
        var failure = OnlyFailure(NodeChecks.Run("n2", Database(generation: 3), Visible(), Shared(4, Create("dg02", D1))));

        Assert.Equal(ErrorIds.StaleGeneration, failure.Name);
        Assert.Contains("node n2 is at generation 3", failure.Message);
        Assert.Contains("made at 4", failure.Message);
    }

    [Fact]
    public void A_private_change_does_not_compare_shared_generations()
    {
        var tx = Shared(99, new CreateDiskGroup { DiskGroup = "p1", Id = Guid.NewGuid(), Owner = "n2", Disks = [D1] });
        tx.Scope = TransactionScope.Private;
        tx.Owner = "n2";

        var result = NodeChecks.Run("n2", Database(generation: 3), Visible(), tx);

        Assert.True(result.Passed, result.Message);
        Assert.DoesNotContain(result.Checks, c => c.Name == ErrorIds.StaleGeneration);
    }

    [Fact]
    public void Removing_a_group_the_node_does_not_have_is_DiskGroupNotFound_naming_the_node()
    {
        var failure = OnlyFailure(NodeChecks.Run("n2", Database(), Visible(), Shared(4, new RemoveDiskGroup { DiskGroup = "dg09" })));

        Assert.Equal(ErrorIds.DiskGroupNotFound, failure.Name);
        Assert.Contains("node n2 has no disk group named 'dg09'", failure.Message);
    }

    [Fact]
    public void Every_failure_is_reported_not_just_the_first()
    {
        var db = Database(generation: 2);
        db.Private = [new DiskGroup { Name = "dg02" }];

        var result = NodeChecks.Run("n2", db, [], Shared(4, Create("dg02", D1)));

        Assert.Equal(
            [ErrorIds.StaleGeneration, ErrorIds.PrivateDiskGroupNameConflict, ErrorIds.DiskNotAccessible],
            result.Checks.Where(c => !c.Passed).Select(c => c.Name));
        Assert.Equal(ErrorIds.StaleGeneration, result.FirstFailure!.Name);
    }
}
