using VolumeManager.Agent.Kernel;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Tests.Engine;

namespace VolumeManager.Engine.Tests.Kernel;

/// <summary>A copy whose plex the configuration already shows Active is reported finished, whatever its copier still does.</summary>
public sealed class ResyncSettleTests
{
    private readonly NodeDatabase database = Fixtures.Database();
    private readonly TaskRegistry tasks = new();
    private readonly ResyncService service;

    public ResyncSettleTests() =>
        service = new ResyncService(new ResyncHost("n1", () => database, _ => true, () => true, (_, _) => throw new InvalidOperationException(),
            (_, _) => Task.CompletedTask, _ => { }), kernel: null!, copier: null!, tasks);

    private TaskEntry Hold(long doneBytes, TaskKind kind = TaskKind.Resync)
    {
        var task = new ResyncTask
        {
            Id = "resync-dg01-vol1-02", Kind = kind, Node = "n1", DiskGroup = "dg01", Volume = "vol1", Plex = "vol1-02",
            TotalBytes = 64L << 20, DoneBytes = doneBytes, State = ResyncState.Running,
        };
        var entry = new TaskEntry(task, new TaskControl(false, false, 0), _ => { });
        Assert.True(tasks.TryAdd("dg01/vol1/vol1-02", entry));
        return entry;
    }

    private void Activate() => database.Shared[0].FindVolume("vol1")!.FindPlex("vol1-02")!.State = PlexStates.Active;

    [Fact]
    public void A_copy_done_copying_reads_Completed_once_its_plex_is_Active_and_its_copier_s_own_finish_changes_nothing()
    {
        var entry = Hold(doneBytes: 64L << 20);
        service.Settle();
        Assert.Equal(ResyncState.Running, Assert.Single(tasks.Snapshot()).State);

        Activate();
        service.Settle();
        tasks.Finish("dg01/vol1/vol1-02", entry.Task, ResyncState.Failed, "late");

        var shown = Assert.Single(tasks.Snapshot());
        Assert.Equal(ResyncState.Completed, shown.State);
        Assert.Null(shown.Error);
    }

    [Fact]
    public void A_repair_done_copying_is_left_to_its_repairer()
    {
        var entry = Hold(doneBytes: 64L << 20, TaskKind.Repair);
        entry.Task.Plex = "vol1-01,vol1-02";
        service.Settle();
        Assert.Equal(ResyncState.Running, Assert.Single(tasks.Snapshot()).State);
    }

    [Fact]
    public void A_copy_still_copying_is_left_to_its_copier()
    {
        Hold(doneBytes: 8L << 20);
        Activate();
        service.Settle();
        Assert.Equal(ResyncState.Running, Assert.Single(tasks.Snapshot()).State);
    }
}
