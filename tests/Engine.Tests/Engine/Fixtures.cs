using VolumeManager.Engine.Model;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Engine.Tests.Engine;

/// <summary>Small hand-built configurations the engine tests share.</summary>
internal static class Fixtures
{
    public static readonly Guid ClusterId = Guid.Parse("6f1c2a9e-0000-0000-0000-000000000001");

    public static DiskRef Disk(string name, int n, long size = 256L << 20) =>
        new() { Name = name, Id = new Guid($"00000000-0000-0000-0000-{n:D12}"), SizeBytes = size };

    public static DiskInfo Visible(DiskRef disk, string? group = null, params string[] from) => new()
    {
        Name = disk.Name, Id = disk.Id, Path = $"/dev/vm/{disk.Name}", SizeBytes = disk.SizeBytes,
        DiskGroup = group, AccessibleFrom = [.. from],
    };

    public static DiskGroup MirroredGroup(string name, bool shared, string? owner = null) => new()
    {
        Name = name,
        Id = Guid.Parse(shared ? "11111111-2222-3333-4444-555555555555" : "99999999-2222-3333-4444-555555555555"),
        Shared = shared, Owner = owner, Generation = 3,
        Disks = [Disk(name + "-d1", shared ? 1 : 11), Disk(name + "-d2", shared ? 2 : 12)],
        Volumes =
        [
            new Volume
            {
                Name = "vol1", SizeBytes = 64L << 20,
                Plexes =
                [
                    new Plex { Name = "vol1-01", Subdisks = [new Subdisk { Name = "vol1-01-01", Disk = name + "-d1", Offset = 0, Length = 64L << 20 }] },
                    new Plex { Name = "vol1-02", State = "Stale", Subdisks = [new Subdisk { Name = "vol1-02-01", Disk = name + "-d2", Offset = 1L << 20, Length = 64L << 20 }] },
                ],
            },
            new Volume { Name = "empty", SizeBytes = 0 },
        ],
    };

    public static NodeDatabase Database() => new()
    {
        ClusterId = ClusterId, Generation = 7, PrivateGeneration = 2,
        Shared = [MirroredGroup("dg01", shared: true), new DiskGroup { Name = "true", Id = Guid.Parse("22222222-0000-0000-0000-000000000022"), Shared = true, Generation = 5, Disks = [Disk("123", 3)] }],
        Private = [MirroredGroup("local1", shared: false, owner: "n1")],
    };

    /// <summary>A model object's full content as text, for equality of objects that define none.</summary>
    public static string Json<T>(T value) => WireJson.SerializeToString(value);
}
