using VolumeManager.Engine.Model;
using VolumeManager.Engine.Resync;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Engine.Tests.Engine;

/// <summary>The resync decisions (who copies, from where, what next, how long a throttled copy waits) and their checkpoint, without I/O.</summary>
public sealed class ResyncRulesTests
{
    private static ResyncTarget Target(NodeDatabase db, string group = "dg01") =>
        ResyncRules.Targets(db, g => g.Name == group).Single();

    [Fact]
    public void The_coordinating_node_copies_every_stale_plex_of_a_volume_that_has_an_active_one()
    {
        var db = Fixtures.Database();
        Assert.Equal(["vol1-02", "vol1-02"], ResyncRules.Targets(db, _ => true).Select(t => t.Plex.Name));
        Assert.Empty(ResyncRules.Targets(db, _ => false));
        db.Shared[0].Volumes[0].Plexes[0].State = PlexStates.Stale;
        Assert.DoesNotContain(ResyncRules.Targets(db, _ => true), t => t.Group.Name == "dg01");
    }

    [Fact]
    public void The_copy_reads_from_the_first_active_plex_and_never_from_its_target()
    {
        var target = Target(Fixtures.Database());
        Assert.Equal("vol1-01", ResyncRules.Source(target.Volume, target.Plex)!.Name);
        target.Volume.Plexes[0].State = PlexStates.Stale;
        Assert.Null(ResyncRules.Source(target.Volume, target.Plex));
    }

    [Fact]
    public void A_plex_moved_off_a_disk_is_copied_as_a_relocation()
    {
        var target = Target(Fixtures.Database());
        Assert.Equal(TaskKind.Resync, ResyncRules.KindOf(target.Plex));
        target.Plex.Subdisks[0].RelocatedFrom = "dg01-d9";
        Assert.Equal(TaskKind.Relocation, ResyncRules.KindOf(target.Plex));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5L << 20, 5L << 20)]
    [InlineData((5L << 20) + 4096, 5L << 20)]
    [InlineData(65L << 20, 0)]   // past the end: the volume shrank, the copy starts over
    public void A_copy_resumes_from_its_checkpoint_in_whole_chunks(long done, long resumeAt) =>
        Assert.Equal(resumeAt, ResyncRules.ResumeAt(new ResyncProgress(done), 64L << 20));

    [Fact]
    public void Each_step_copies_the_next_chunk_and_activates_only_once_every_byte_is_copied()
    {
        var target = Target(Fixtures.Database());
        var first = ResyncRules.Next(target.Key, target, coordinates: true, held: false, 0);
        Assert.Equal((ResyncStep.Copy, "vol1-01", 0L, ResyncRules.ChunkBytes), (first.Step, first.Source!.Name, first.Offset, first.Length));
        Assert.Equal(ResyncStep.Copy, ResyncRules.Next(target.Key, target, true, false, (64L << 20) - 1).Step);
        Assert.Equal(1, ResyncRules.Next(target.Key, target, true, false, (64L << 20) - 1).Length);
        Assert.Equal(ResyncStep.Activate, ResyncRules.Next(target.Key, target, true, false, 64L << 20).Step);
    }

    [Fact]
    public void A_copy_ends_when_the_plex_is_gone_or_laid_out_anew_and_hands_over_when_this_node_stops_coordinating()
    {
        var target = Target(Fixtures.Database());
        var key = target.Key;
        Assert.Equal(ResyncStep.Gone, ResyncRules.Next(key, null, true, false, 0).Step);
        Assert.Equal(ResyncStep.HandOver, ResyncRules.Next(key, target, coordinates: false, false, 0).Step);
        Assert.Equal(ResyncStep.Hold, ResyncRules.Next(key, target, true, held: true, 0).Step);
        target.Plex.Subdisks[0].Offset += 1 << 20;
        Assert.Equal(ResyncStep.Gone, ResyncRules.Next(key, target, true, false, 0).Step);
    }

    [Theory]
    [InlineData(0, 0, 1, 0)]
    [InlineData(4, 1000, 0, 0)]            // unthrottled
    [InlineData(4, 1000, 4, 0)]            // on time
    [InlineData(8, 1000, 4, 1000)]         // ahead by a second
    [InlineData(2, 1000, 4, 0)]            // behind: no wait, no catching up beyond the rate
    public void A_throttled_copy_waits_until_its_bytes_are_due(long copiedMiB, int elapsedMs, long rateMiB, int waitMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(waitMs), ResyncRules.Throttle(copiedMiB << 20, TimeSpan.FromMilliseconds(elapsedMs), rateMiB << 20));

    [Fact]
    public void The_checkpoint_keeps_progress_and_control_state_and_reads_the_first_format()
    {
        var entries = new Dictionary<string, ResyncProgress>
        {
            ["a/v/p/d1@0+64"] = new(8L << 20, "resync-dg-p-1", TaskKind.Relocation, Suspended: true, Stopped: false, MaxRateBytes: 5L << 20),
            ["b/v/q/d2@0+64"] = new(0, "resync-dg-q-2", Stopped: true),
        };
        Assert.Equal(entries, ResyncCheckpoint.Decode(ResyncCheckpoint.Encode(entries)));

        var damaged = ResyncCheckpoint.Encode(entries);
        damaged[40] ^= 1;
        Assert.Empty(ResyncCheckpoint.Decode(damaged));

        var v1 = new byte[ResyncCheckpoint.Size];   // "VMSYNC01": key and done only, as the first release wrote it
        "VMSYNC01"u8.CopyTo(v1);
        v1[8] = 1;
        var key = "k"u8.ToArray();
        v1[12] = (byte)key.Length;
        key.CopyTo(v1, 14);
        BitConverter.GetBytes(3L << 20).CopyTo(v1, 15);
        System.Security.Cryptography.SHA256.HashData(v1.AsSpan(0, 23), v1.AsSpan(23, 32));
        Assert.Equal(new ResyncProgress(3L << 20), ResyncCheckpoint.Decode(v1)["k"]);
    }
}
