using VolumeManager.Engine.Import;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;
using VolumeManager.Simulation;
using VolumeManager.Simulation.Invariants;
using Xunit.Abstractions;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>The simulator keeps each disk's configuration copy as the master writes it, and runs the import's split-brain decision over them.</summary>
[Trait("Category", "Simulation")]
public sealed class SerialSplitBrainSimulationTests(ITestOutputHelper output)
{
    [Fact]
    public void A_clusters_copies_are_on_one_line_and_an_import_would_take_the_masters_configuration()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.Start(master, h.Workload.Create(master, "dg01", ["disk01", "disk02"]))).Succeeded);
        h.Settle();

        var copies = h.Sim.Disks.Copies();
        var selection = ImportSelection.Choose("dg01", copies);

        Assert.Equal(["disk01", "disk02"], copies.Select(c => c.DiskName).Order());
        Assert.Empty(ClusterInvariants.CopiesOnOneLine(copies));
        var live = h.Master!.Machine!.Database.Find("dg01")!;
        Assert.Equal(Convert.ToHexString(ConfigText.GroupHash(live)), Convert.ToHexString(ConfigText.GroupHash(selection.Group!)));
        h.AssertNoViolations(output);
    }

    [Fact]
    public void Copies_changed_apart_are_a_violation_naming_both_sides()
    {
        var h = new SimHarness(3).Boot();
        var master = h.Master!.Name;
        Assert.True(h.Finish(h.Start(master, h.Workload.Create(master, "dg01", ["disk01", "disk02"]))).Succeeded);
        h.Settle();
        var copies = h.Sim.Disks.Copies();
        var elsewhere = copies[1].Group!.Clone();                       // disk02's copy as another site's import left it
        elsewhere.Lineage = GroupLineage.Of(elsewhere).Fork(h.Sim.NewGuid(), copies[1].Generation - 1); // forked before disk01's last change
        copies[1].Group = elsewhere;

        var violation = Assert.Single(ClusterInvariants.CopiesOnOneLine(copies));

        Assert.Equal(InvariantId.CopiesOnOneLine, violation.Invariant);
        Assert.Contains("disk disk01 at generation", violation.Message);
        Assert.Contains("disk disk02 at generation", violation.Message);
    }
}
