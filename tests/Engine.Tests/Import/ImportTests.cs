using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Import;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Transactions;
using VolumeManager.Engine.Tests.Engine;

namespace VolumeManager.Engine.Tests.Import;

/// <summary>Choosing the configuration copy an import takes, and the checks of importing and deporting.</summary>
public sealed class ImportTests
{
    private static DiskGroup Group(long generation)
    {
        var group = Fixtures.MirroredGroup("dg01", shared: true);
        group.Generation = generation;
        return group;
    }

    private static DiskCopy Copy(DiskRef disk, long generation, string? problem = null) => new()
    {
        Path = $"/dev/vm/{disk.Name}", DiskName = disk.Name, DiskId = disk.Id, DiskGroup = "dg01",
        DiskGroupId = Group(generation).Id, Generation = generation,
        Group = problem is null ? Group(generation) : null, Problem = problem,
    };

    private static readonly DiskRef D1 = Group(1).Disks[0];
    private static readonly DiskRef D2 = Group(1).Disks[1];

    [Fact]
    public void The_highest_readable_generation_wins_and_older_copies_are_reported()
    {
        var selection = ImportSelection.Choose("dg01", [Copy(D1, 4), Copy(D2, 7)]);

        Assert.Equal(7, selection.Generation);
        Assert.Equal(["dg01-d2"], selection.Chosen.Select(c => c.DiskName));
        Assert.Equal(["dg01-d1"], selection.Older.Select(c => c.DiskName));
        Assert.Empty(selection.Missing);
        Assert.Null(selection.Problem);
    }

    [Fact]
    public void A_damaged_copy_is_named_and_the_import_takes_a_readable_one_even_if_older()
    {
        var selection = ImportSelection.Choose("dg01", [Copy(D1, 9, "the configuration copy fails its checksum: ..."), Copy(D2, 8)]);

        Assert.Equal(8, selection.Generation);
        var damaged = Assert.Single(selection.Damaged);
        Assert.Equal("dg01-d1", damaged.DiskName);
        Assert.Contains("fails its checksum", damaged.Problem);
    }

    [Fact]
    public void A_disk_whose_identity_is_unreadable_is_named_by_its_path()
    {
        var unreadable = new DiskCopy { Path = "/dev/vm/x", Problem = "the private region is damaged: checksum mismatch" };

        var selection = ImportSelection.Choose("dg01", [Copy(D1, 3), Copy(D2, 3), unreadable]);

        Assert.Equal("/dev/vm/x", Assert.Single(selection.Damaged).ToString());
    }

    [Fact]
    public void Disks_the_copy_lists_that_nobody_sees_are_missing()
    {
        var selection = ImportSelection.Choose("dg01", [Copy(D2, 3)]);

        Assert.Equal(["dg01-d1"], selection.Missing.Select(d => d.Name));
    }

    [Fact]
    public void No_readable_copy_is_a_problem_that_names_every_damaged_one()
    {
        var selection = ImportSelection.Choose("dg01", [Copy(D1, 3, "there is no configuration copy"), Copy(D2, 3, "the configuration copy fails its checksum")]);

        Assert.Null(selection.Group);
        Assert.Contains("disk 'dg01-d1' (/dev/vm/dg01-d1): there is no configuration copy", selection.Problem);
        Assert.Contains("fails its checksum", selection.Problem);
    }

    [Fact]
    public void A_name_no_disk_carries_is_not_found()
    {
        Assert.Equal("No visible disk belongs to a disk group named 'other'.", ImportSelection.Choose("other", [Copy(D1, 3)]).Problem);
    }

    [Fact]
    public void Import_adds_the_group_at_the_new_generation_in_the_chosen_scope()
    {
        var op = new ImportDiskGroup { DiskGroup = "dg01", Group = Group(5), Shared = false, Owner = "n2" };
        var groups = new List<DiskGroup>();

        op.ApplyTo(groups, 12);

        var group = Assert.Single(groups);
        Assert.Equal((12, false, "n2"), (group.Generation, group.Shared, group.Owner));
        Assert.Equal(Group(5).Volumes.Count, group.Volumes.Count);
    }

    [Fact]
    public void A_node_refuses_an_import_when_a_disk_now_belongs_to_another_group_or_is_not_visible()
    {
        var op = new ImportDiskGroup { DiskGroup = "dg01", Group = Group(5), Shared = true };
        var tx = new Transaction { Id = "T1", Scope = TransactionScope.Shared, Operations = [op] };
        List<DiskInfo> visible = [Owned(D1, "other", Guid.NewGuid())];

        var result = NodeChecks.Run("n3", new NodeDatabase(), visible, tx);

        Assert.False(result.Passed);
        Assert.Contains(result.Checks, c => c.Name == ErrorIds.DiskInUse && c.Message == "node n3 sees disk 'dg01-d1' belongs to disk group 'other' now, not to 'dg01'.");
        Assert.Contains(result.Checks, c => c.Name == ErrorIds.DiskNotAccessible && c.Message.Contains("cannot open disk 'dg01-d2'"));
    }

    [Fact]
    public void A_node_passes_an_import_of_disks_that_still_name_the_group()
    {
        var group = Group(5);
        var op = new ImportDiskGroup { DiskGroup = "dg01", Group = group, Shared = true };
        var tx = new Transaction { Id = "T1", Scope = TransactionScope.Shared, Operations = [op] };

        var result = NodeChecks.Run("n1", new NodeDatabase(), [Owned(D1, "dg01", group.Id), Owned(D2, "dg01", group.Id)], tx);

        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void Importing_a_name_already_imported_is_refused_locally()
    {
        var view = new ClusterView { DiskGroups = [Group(3)] };

        var checks = LocalChecks.Run(view, new ImportDiskGroup { DiskGroup = "dg01", Group = Group(3), Shared = true });

        Assert.Contains(checks, c => !c.Passed && c.Name == ErrorIds.DiskGroupNameExists);
    }

    [Fact]
    public void Deporting_an_unknown_group_is_refused_locally()
    {
        var checks = LocalChecks.Run(new ClusterView(), new DeportDiskGroup { DiskGroup = "nope" });

        Assert.Contains(checks, c => !c.Passed && c.Name == ErrorIds.DiskGroupNotFound && c.Message == "No disk group named 'nope' exists.");
    }

    [Fact]
    public void Creating_a_group_on_a_deported_disk_says_how_to_get_it_back()
    {
        var view = new ClusterView { Disks = [Owned(D1, "dg01", Group(1).Id)] };

        var checks = LocalChecks.Run(view, new CreateDiskGroup { DiskGroup = "new", Disks = [new DiskRef { Name = "dg01-d1" }] });

        Assert.Contains(checks, c => c.Name == ErrorIds.DiskInUse && c.Message.Contains("Import-VmDiskGroup dg01"));
    }

    private static DiskInfo Owned(DiskRef disk, string group, Guid id)
    {
        var info = Fixtures.Visible(disk, group);
        info.DiskGroupId = id;
        return info;
    }
}
