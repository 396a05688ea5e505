using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;
using VolumeManager.Simulation;

namespace VolumeManager.Engine.Tests.Simulation;

/// <summary>A view's disk groups are left out of the reply while the caller holds them, and sent again once a change made them different.</summary>
[Trait("Category", "Simulation")]
public sealed class ViewTokenTests
{
    [Fact]
    public void A_view_leaves_out_the_groups_the_caller_holds_until_a_change_commits()
    {
        var h = new SimHarness(3).Boot();
        Assert.True(h.Finish(h.CreateShared("n1", "dg01", "disk01")).Succeeded);
        var first = View(h, "n1", null);
        Assert.False(first.GroupsOmitted);
        Assert.Single(first.DiskGroups);

        var same = View(h, "n1", first.GroupsToken);
        Assert.True(same.GroupsOmitted);
        Assert.Empty(same.DiskGroups);
        Assert.Equal(first.GroupsToken, same.GroupsToken);

        Assert.True(h.Finish(h.CreateShared("n2", "dg02", "disk02")).Succeeded);
        var changed = View(h, "n1", first.GroupsToken);
        Assert.False(changed.GroupsOmitted);
        Assert.Equal(["dg01", "dg02"], changed.DiskGroups.Select(g => g.Name).Order());
        Assert.NotEqual(first.GroupsToken, changed.GroupsToken);
    }

    [Fact]
    public void Another_nodes_token_does_not_stand_for_this_nodes_groups()
    {
        var h = new SimHarness(3).Boot();
        Assert.True(h.Finish(h.CreateShared("n1", "dg01", "disk01")).Succeeded);
        var onN1 = View(h, "n1", null);
        var onN2 = View(h, "n2", onN1.GroupsToken);
        Assert.False(onN2.GroupsOmitted);
        Assert.Single(onN2.DiskGroups);
    }

    private static ClusterView View(SimHarness h, string node, string? known)
    {
        var reply = h.Sim.Request(node, new ViewQuery { KnownGroups = known });
        h.RunUntil(() => reply.IsCompleted, what: "the view");
        return reply.Result.View!;
    }
}
