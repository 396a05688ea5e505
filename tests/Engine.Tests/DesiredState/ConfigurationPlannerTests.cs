using VolumeManager.Engine.DesiredState;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using static VolumeManager.Engine.Tests.Volumes.VolumeFixtures;

namespace VolumeManager.Engine.Tests.DesiredState;

public sealed class ConfigurationPlannerTests
{
    private const string TwoGroups = """
        diskGroups:
          - name: dg
            shared: true
            disks: [d1, d2]
            volumes:
              - { name: v1, size: 8MB, mirrors: 2 }
          - name: pg
            node: n2
            disks: [d3]
        """;

    private static DesiredConfiguration Desired(string text) => DesiredStateYaml.Parse(text, "state.yaml");

    /// <summary>A cluster of n1, n2 with disks d1..d5 of 64 MiB and the given groups.</summary>
    private static LiveConfiguration Live(params DiskGroup[] groups) => new()
    {
        DiskGroups = [.. groups],
        Nodes = ["n1", "n2"],
        Disks = ["d1", "d2", "d3", "d4", "d5"],
    };

    private static DiskGroup Shared(params string[] disks) => new()
    {
        Name = "dg", Shared = true, Generation = 1, Disks = disks.Select(d => Disk(d, 64)).ToList(),
    };

    private static DiskGroup Private(string owner, params string[] disks) => new()
    {
        Name = "pg", Shared = false, Owner = owner, Generation = 1, Disks = disks.Select(d => Disk(d, 64)).ToList(),
    };

    private static string[] Steps(ConfigurationPlan plan) => plan.Changes.Select(c => $"{c.Action} {c.Target}{(c.Owner is null ? "" : $" @{c.Owner}")}").ToArray();

    [Fact]
    public void OnAnEmptyClusterCreatesEachGroupThenItsVolumes()
    {
        var plan = ConfigurationPlanner.Plan(Desired(TwoGroups), Live(), prune: false);
        Assert.Equal(["Create disk group dg", "Create volume dg/v1", "Create disk group pg @n2"], Steps(plan));
        var create = Assert.IsType<CreateDiskGroup>(plan.Changes[2].Operation);
        Assert.Equal(("n2", false), (create.Owner, create.Shared));
        Assert.Equal(2, Assert.IsType<CreateVolume>(plan.Changes[1].Operation).Mirrors);
        Assert.False(plan.InDesiredState);
        Assert.All(plan.Drifts, d => Assert.Equal(DriftResolution.Apply, d.Resolution));
    }

    [Fact]
    public void PlansNothingWhenTheClusterMatchesTheFile()
    {
        var dg = Shared("d1", "d2");
        AddVolume(dg, "v1", 8 * MiB, mirrors: 2);
        var plan = ConfigurationPlanner.Plan(Desired(TwoGroups), Live(dg, Private("n2", "d3")), prune: true);
        Assert.True(plan.InDesiredState);
        Assert.Empty(plan.Changes);
    }

    [Fact]
    public void AddsMissingDisksBeforeGrowingAndMirroring()
    {
        var dg = Shared("d1");
        AddVolume(dg, "v1", 4 * MiB);
        var plan = ConfigurationPlanner.Plan(Desired(TwoGroups), Live(dg, Private("n2", "d3")), prune: false);
        Assert.Equal(["Add disks dg", "Grow volume dg/v1", "Add mirror dg/v1"], Steps(plan));
        Assert.Equal(["d2"], Assert.IsType<AddDisk>(plan.Changes[0].Operation).Disks.Select(d => d.Name));
        Assert.Equal(8 * MiB, Assert.IsType<ResizeVolume>(plan.Changes[1].Operation).SizeBytes);
    }

    [Fact]
    public void LeavesWhatTheFileOmitsWithoutPruneButReportsIt()
    {
        var dg = Shared("d1", "d2", "d4");
        AddVolume(dg, "v1", 16 * MiB, mirrors: 3);
        AddVolume(dg, "old", 4 * MiB);
        var extra = new DiskGroup { Name = "xg", Shared = true, Disks = [Disk("d5", 64)] };
        var plan = ConfigurationPlanner.Plan(Desired(TwoGroups), Live(dg, Private("n2", "d3"), extra), prune: false);
        Assert.Empty(plan.Changes);
        Assert.False(plan.InDesiredState);
        Assert.Equal(
            [DriftKind.DiskGroupNotDeclared, DriftKind.VolumeNotDeclared, DriftKind.VolumeTooLarge, DriftKind.MirrorsNotDeclared, DriftKind.DiskNotDeclared],
            plan.Drifts.Select(d => d.Kind));
        Assert.All(plan.Drifts, d => Assert.Equal(DriftResolution.Prune, d.Resolution));
    }

    [Fact]
    public void PruneRemovesAndShrinksFirstThenAdds()
    {
        var dg = Shared("d1", "d2", "d4");
        var v1 = AddVolume(dg, "v1", 16 * MiB, mirrors: 3);
        v1.Plexes[1].State = PlexStates.Stale;
        AddVolume(dg, "old", 4 * MiB);
        var extra = new DiskGroup { Name = "xg", Shared = true, Disks = [Disk("d5", 64)] };
        var plan = ConfigurationPlanner.Plan(Desired(TwoGroups), Live(dg, extra), prune: true);
        Assert.Equal(
            ["Remove disk group xg", "Remove volume dg/old", "Shrink volume dg/v1", "Remove mirror dg/v1", "Remove disks dg", "Create disk group pg @n2"],
            Steps(plan));
        Assert.True(Assert.IsType<RemoveDiskGroup>(plan.Changes[0].Operation).Force);
        Assert.Equal(v1.Plexes[1].Name, Assert.IsType<RemoveMirror>(plan.Changes[3].Operation).Plex);
        Assert.Equal(["d4"], Assert.IsType<RemoveDisk>(plan.Changes[4].Operation).Disks);
        Assert.All(plan.Changes.Take(5), c => Assert.True(c.Destructive));
        Assert.False(plan.Changes[5].Destructive);
    }

    [Fact]
    public void AGroupWhoseScopeOrOwnerDiffersIsAConflict()
    {
        var plan = ConfigurationPlanner.Plan(Desired(TwoGroups), Live(Shared("d1", "d2"), Private("n1", "d3")), prune: true);
        var conflict = Assert.Single(plan.Conflicts);
        Assert.Equal((DriftKind.OwnerDiffers, "pg"), (conflict.Kind, conflict.DiskGroup));
        Assert.Contains("state.yaml, line 7, column 5", conflict.Message);
        Assert.DoesNotContain(plan.Changes, c => c.Target.StartsWith("pg", StringComparison.Ordinal));

        var scope = ConfigurationPlanner.Plan(Desired(TwoGroups), Live(new DiskGroup { Name = "dg", Owner = "n1", Disks = [Disk("d1", 64)] }), prune: false);
        Assert.Equal(DriftKind.SharedDiffers, Assert.Single(scope.Conflicts).Kind);
    }

    [Fact]
    public void UnknownNodesAndDisksAreConflicts()
    {
        var text = TwoGroups.Replace("node: n2", "node: n9").Replace("[d1, d2]", "[d1, d8]");
        var plan = ConfigurationPlanner.Plan(Desired(text), Live(), prune: false);
        Assert.Equal([DriftKind.NodeNotFound, DriftKind.DiskNotFound], plan.Conflicts.Select(c => c.Kind).Order());
    }

    [Fact]
    public void ADiskAnotherGroupKeepsIsAConflictUnlessPruneFreesIt()
    {
        var other = new DiskGroup { Name = "xg", Shared = true, Disks = [Disk("d3", 64)] };
        var kept = ConfigurationPlanner.Plan(Desired(TwoGroups), Live(other), prune: false);
        Assert.Equal(DriftKind.DiskInOtherGroup, Assert.Single(kept.Conflicts).Kind);

        var freed = ConfigurationPlanner.Plan(Desired(TwoGroups), Live(other), prune: true);
        Assert.Empty(freed.Conflicts);
        Assert.Equal(["Remove disk group xg", "Create disk group dg", "Create volume dg/v1", "Create disk group pg @n2"], Steps(freed));
    }

    [Fact]
    public void TheLiveConfigurationExportsToAFileThatPlansNothing()
    {
        var dg = Shared("d1", "d2");
        AddVolume(dg, "v1", 8 * MiB, mirrors: 2);
        AddVolume(dg, "v2", 1536);
        var live = Live(dg, Private("n2", "d3"));
        var text = DesiredStateYaml.Write(live.ToDesired());
        Assert.Contains("node: n2", text);
        Assert.Contains("size: 1536", text);
        Assert.True(ConfigurationPlanner.Plan(Desired(text), live, prune: true).InDesiredState);
    }

    [Fact]
    public void LiveConfigurationTakesEachPrivateGroupFromItsOwnersView()
    {
        var shared = Shared("d1");
        var n1 = View(shared, Private("n1", "d2"));
        var n2 = View(shared);
        n2.DiskGroups.Add(new DiskGroup { Name = "pg2", Shared = false, Disks = [Disk("d3", 64)] });
        var live = LiveConfiguration.From([("n1", n1), ("n2", n2)]);
        Assert.Equal(["dg", "pg@n1", "pg2@n2"], live.DiskGroups.Select(g => g.Shared ? g.Name : $"{g.Name}@{g.Owner}"));
        Assert.Equal(["n1", "n2"], live.Nodes);
    }
}
