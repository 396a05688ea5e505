using VolumeManager.Engine.Allocation;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;

namespace VolumeManager.Engine.Tests.Volumes;

/// <summary>Disk groups built from disk sizes in MiB, and the small steps the volume tests share.</summary>
internal static class VolumeFixtures
{
    public const long MiB = Sizes.MiB;
    public static readonly Guid ClusterId = Guid.Parse("6f1c2a9e-0000-0000-0000-000000000004");

    public static DiskRef Disk(string name, long sizeMiB) => new()
    {
        Name = name, Id = DiskId(name), SizeBytes = sizeMiB * MiB,
    };

    /// <summary>A stable id per disk name, so two databases built apart agree.</summary>
    public static Guid DiskId(string name) => new(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(name)));

    /// <summary>A shared group "dg" with disks d1, d2, ... of the given sizes in MiB.</summary>
    public static DiskGroup Group(params long[] sizesMiB) => new()
    {
        Name = "dg", Id = Guid.Parse("11111111-0000-0000-0000-000000000004"), Shared = true, Generation = 1,
        Disks = sizesMiB.Select((size, i) => Disk($"d{i + 1}", size)).ToList(),
    };

    public static Subdisk Sd(string name, string disk, long offsetMiB, long lengthBytes) =>
        new() { Name = name, Disk = disk, Offset = offsetMiB * MiB, Length = lengthBytes };

    public static Plex PlexOf(string name, string state, params Subdisk[] subdisks) => new() { Name = name, State = state, Subdisks = [.. subdisks] };

    public static Volume Vol(string name, long size, params Plex[] plexes) => new() { Name = name, SizeBytes = size, Plexes = [.. plexes] };

    /// <summary>Lays out and adds a volume, as a committed CreateVolume would.</summary>
    public static Volume AddVolume(DiskGroup group, string name, long size, int mirrors = 1)
    {
        var placement = Allocator.PlaceVolume(group, name, size, mirrors);
        Assert.True(placement.Succeeded, placement.Message);
        var volume = new Volume { Name = name, SizeBytes = size, Plexes = placement.Plexes };
        group.Volumes.Add(volume);
        return volume;
    }

    public static NodeDatabase Database(params DiskGroup[] shared) => new()
    {
        ClusterId = ClusterId, Generation = 10, Shared = shared.Select(g => g.Clone()).ToList(),
    };

    public static ClusterView View(params DiskGroup[] groups) => new()
    {
        ClusterName = "demo", ClusterId = ClusterId, Master = "n1", Generation = 10,
        Members = [new MemberInfo { Name = "n1", State = MemberState.Joined }, new MemberInfo { Name = "n2", Rank = 1, State = MemberState.Joined }],
        DiskGroups = groups.Select(g => g.Clone()).ToList(),
        Disks = groups.SelectMany(g => g.Disks.Select(d => Visible(d, g.Name))).ToList(),
    };

    public static DiskInfo Visible(DiskRef disk, string? group = null) => new()
    {
        Name = disk.Name, Id = disk.Id, Path = $"/dev/vm/{disk.Name}", SizeBytes = disk.SizeBytes, DiskGroup = group,
    };

    /// <summary>What a node sees: every disk of the groups (in use by them) plus free ones.</summary>
    public static List<DiskInfo> VisibleTo(NodeDatabase db, params DiskRef[] free) =>
        [.. db.All.SelectMany(g => g.Disks.Select(d => Visible(d, g.Name))), .. free.Select(d => Visible(d))];

    public static Transaction Shared(params Operation[] operations) => new()
    {
        Id = "T0011-00000001", Scope = TransactionScope.Shared, BaseGeneration = 10, Initiator = "n1", Coordinator = "n1",
        Members = ["n1", "n2"], Operations = [.. operations],
    };

    /// <summary>Resolves operations against a view of the groups, as the initiating node does before its checks.</summary>
    public static T Resolved<T>(T op, params DiskGroup[] groups) where T : Operation
    {
        LayoutResolver.Resolve(View(groups), [op]);
        return op;
    }

    public static CheckResult OnlyFailure(IEnumerable<CheckResult> checks) => Assert.Single(checks, c => !c.Passed);

    public static CheckResult OnlyFailure(NodeCheckResult result)
    {
        Assert.False(result.Passed);
        return Assert.Single(result.Checks, c => !c.Passed);
    }

    public static void AllPassed(IEnumerable<CheckResult> checks) => Assert.All(checks, c => Assert.True(c.Passed, $"{c.Name}: {c.Message}"));

    public static string Json<T>(T value) => WireJson.SerializeToString(value);

    /// <summary>Every disk's extents of the volume, as (disk, offset MiB, length bytes).</summary>
    public static List<(string Disk, long OffsetMiB, long Length)> Layout(Plex plex) =>
        plex.Subdisks.Select(s => (s.Disk, s.Offset / MiB, s.Length)).ToList();

    /// <summary>No two subdisks of the group share a byte of a disk (rounded out to MiB), and every one lies within its disk.</summary>
    public static void AssertNoOverlap(DiskGroup group)
    {
        foreach (var disk in group.Disks)
        {
            var on = group.Subdisks.Where(s => s.Disk == disk.Name).OrderBy(s => s.Offset).ToList();
            for (var i = 0; i < on.Count; i++)
            {
                Assert.True(on[i].Offset % MiB == 0, $"{on[i].Name} starts at {on[i].Offset}, not on a MiB boundary");
                Assert.True(on[i].End <= disk.SizeBytes, $"{on[i].Name} runs past the end of {disk.Name}");
                if (i > 0) Assert.True(Sizes.AlignUp(on[i - 1].End) <= on[i].Offset, $"{on[i - 1].Name} and {on[i].Name} overlap");
            }
        }
    }
}
