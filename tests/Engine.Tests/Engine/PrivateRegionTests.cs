using System.Buffers.Binary;
using VolumeManager.Engine.Storage;

namespace VolumeManager.Engine.Tests.Engine;

public sealed class PrivateRegionTests
{
    private static PrivateRegionContent Owned()
    {
        var group = Fixtures.MirroredGroup("dg01", shared: true);
        return new PrivateRegionContent
        {
            DiskId = group.Disks[0].Id, DiskName = group.Disks[0].Name,
            DiskGroup = group.Name, DiskGroupId = group.Id, Generation = 9, ConfigCopy = group,
        };
    }

    private static PrivateRegionContent Free() => new() { DiskId = Fixtures.Disk("d7", 7).Id, DiskName = "d7" };

    /// <summary>The bytes as a disk holds them: the encoded prefix, then whatever follows in the first MiB.</summary>
    private static byte[] OnDisk(PrivateRegionContent content)
    {
        var disk = new byte[PrivateRegion.Size];
        PrivateRegion.Encode(content).CopyTo(disk, 0);
        return disk;
    }

    [Fact]
    public void An_owned_disk_round_trips_with_its_configuration_copy()
    {
        var content = Owned();

        var result = PrivateRegion.Decode(OnDisk(content));

        Assert.True(result.Valid, result.ToString());
        Assert.Equal(Fixtures.Json(content), Fixtures.Json(result.Content));
    }

    [Fact]
    public void A_free_disk_round_trips_without_a_copy()
    {
        var result = PrivateRegion.Decode(OnDisk(Free()));

        Assert.True(result.Valid, result.ToString());
        Assert.True(result.Content!.IsFree);
        Assert.Null(result.Content.ConfigCopy);
        Assert.Equal("", result.Content.DiskGroup);
        Assert.Equal("d7", result.Content.DiskName);
    }

    [Fact]
    public void The_copy_rebuilds_the_disk_group_exactly()
    {
        var original = Fixtures.MirroredGroup("dg01", shared: true);

        var rebuilt = PrivateRegion.Decode(OnDisk(Owned())).Content!.ConfigCopy!;

        Assert.Equal(Fixtures.Json(original), Fixtures.Json(rebuilt));
        Assert.Equal(original.SizeBytes, rebuilt.SizeBytes);
    }

    [Fact]
    public void Encode_starts_with_the_magic_fits_before_the_lease_slot_and_pads_to_4_KiB()
    {
        var bytes = PrivateRegion.Encode(Owned());

        Assert.Equal("VMPRIV01"u8.ToArray(), bytes[..8]);
        Assert.Equal(0, bytes.Length % 4096);
        Assert.InRange(bytes.Length, 4096, PrivateRegion.LeaseOffset);
        Assert.Equal(PrivateRegion.FormatVersion, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(PrivateRegion.Size, PrivateRegion.PublicRegionOffset);
        Assert.True(PrivateRegion.LeaseOffset + PrivateRegion.LeaseSize <= PrivateRegion.Size);
    }

    [Fact]
    public void A_flipped_byte_in_the_configuration_copy_leaves_the_disk_known_and_names_the_damage()
    {
        var disk = OnDisk(Owned());
        disk[PrivateRegion.CopyOffset + ConfigCopySection.HeaderSize + 5] ^= 0x20;

        var result = PrivateRegion.Decode(disk);

        Assert.True(result.Valid, result.ToString());
        Assert.Equal("dg01", result.Content!.DiskGroup);
        Assert.Null(result.Content.ConfigCopy);
        Assert.Matches("^the configuration copy fails its checksum: stored [0-9a-f]{64}, computed [0-9a-f]{64}$", result.Content.CopyProblem);
    }

    [Fact]
    public void A_flipped_byte_in_the_identity_is_a_checksum_mismatch()
    {
        var disk = OnDisk(Owned());
        disk[IndexOf(disk, "dg01-d1"u8)] ^= 0x20;

        var result = PrivateRegion.Decode(disk);

        Assert.True(result.Corrupt);
        Assert.Null(result.Content);
        Assert.Matches("^checksum mismatch: stored [0-9a-f]{64}, computed [0-9a-f]{64}$", result.Reason);
    }

    [Fact]
    public void An_owned_disk_whose_copy_area_is_blank_says_there_is_no_copy()
    {
        var disk = OnDisk(Owned());
        Array.Clear(disk, PrivateRegion.CopyOffset, 64);

        var result = PrivateRegion.Decode(disk);

        Assert.True(result.Valid);
        Assert.Equal("there is no configuration copy", result.Content!.CopyProblem);
    }

    [Fact]
    public void The_identity_alone_is_read_without_the_copy()
    {
        var result = PrivateRegion.DecodeIdentity(OnDisk(Owned()).AsSpan(0, PrivateRegion.CopyOffset));

        Assert.True(result.Valid);
        Assert.Equal(9, result.Content!.Generation);
        Assert.Null(result.Content.ConfigCopy);
        Assert.Null(result.Content.CopyProblem);
    }

    [Fact]
    public void Used_length_covers_the_copy_so_a_reader_takes_no_more_than_it_needs()
    {
        var bytes = PrivateRegion.Encode(Owned());

        var used = PrivateRegion.UsedLength(bytes.AsSpan(0, PrivateRegion.FirstRead));

        Assert.InRange(used, PrivateRegion.FirstRead, bytes.Length);
        Assert.True(PrivateRegion.Decode(bytes.AsSpan(0, used)).Content!.ConfigCopy is not null);
    }

    [Fact]
    public void A_flipped_byte_in_the_checksum_itself_is_a_mismatch_too()
    {
        var bytes = PrivateRegion.Encode(Free());
        var checksumAt = PrivateRegion.HeaderSize + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        bytes[checksumAt + 5] ^= 1;

        Assert.StartsWith("checksum mismatch", PrivateRegion.Decode(bytes).Reason);
    }

    [Fact]
    public void Zeros_are_not_initialized()
    {
        var result = PrivateRegion.Decode(new byte[PrivateRegion.Size]);

        Assert.True(result.NotInitialized);
        Assert.False(result.Corrupt);
        Assert.Null(result.Reason);
    }

    [Fact]
    public void A_read_shorter_than_the_content_is_corrupt_and_says_so()
    {
        var bytes = PrivateRegion.Encode(Owned());

        var result = PrivateRegion.Decode(bytes.AsSpan(0, 100));

        Assert.True(result.Corrupt);
        Assert.Contains("only 100 bytes were read", result.Reason);
    }

    [Fact]
    public void An_unknown_format_version_is_corrupt_and_named()
    {
        var bytes = PrivateRegion.Encode(Free());
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 7);

        Assert.Contains("format version 7 is not supported", PrivateRegion.Decode(bytes).Reason);
    }

    [Fact]
    public void An_oversized_length_field_is_corrupt_not_an_exception()
    {
        var bytes = OnDisk(Free());
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), uint.MaxValue);

        Assert.Contains("body length field", PrivateRegion.Decode(bytes).Reason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_garbage_never_throws(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 200; i++)
        {
            var garbage = new byte[random.Next(0, 9000)];
            random.NextBytes(garbage);
            if (i % 2 == 0 && garbage.Length >= 16)
            {
                "VMPRIV01"u8.CopyTo(garbage);
                BinaryPrimitives.WriteUInt32LittleEndian(garbage.AsSpan(8), PrivateRegion.FormatVersion);
                BinaryPrimitives.WriteUInt32LittleEndian(garbage.AsSpan(12), (uint)random.Next(0, garbage.Length));
            }

            var result = PrivateRegion.Decode(garbage);

            Assert.False(result.Valid);
            Assert.Equal(result.Corrupt, result.Reason is not null);
        }
    }

    [Fact]
    public void Every_single_byte_flip_of_an_encoded_region_is_detected()
    {
        var bytes = PrivateRegion.Encode(Owned());
        var identity = PrivateRegion.HeaderSize + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)) + PrivateRegion.ChecksumSize;
        var copy = PrivateRegion.UsedLength(bytes) - PrivateRegion.CopyOffset;

        for (var i = 0; i < identity; i += 7)
            Assert.False(PrivateRegion.Decode(Flipped(bytes, i)).Valid, $"a flip at byte {i} went unnoticed");
        for (var i = PrivateRegion.CopyOffset; i < PrivateRegion.CopyOffset + copy; i += 7)
            Assert.NotNull(PrivateRegion.Decode(Flipped(bytes, i)).Content!.CopyProblem);
    }

    [Fact]
    public void Ten_thousand_volumes_fit_in_the_copy_compressed()
    {
        var content = Owned();
        var template = content.ConfigCopy!.Volumes[0];
        content.ConfigCopy.Volumes = Enumerable.Range(0, 10000).Select(i => Renamed(template, $"vol{i:D5}")).ToList();

        var decoded = PrivateRegion.Decode(PrivateRegion.Encode(content));

        Assert.Equal(10000, decoded.Content!.ConfigCopy!.Volumes.Count);
    }

    [Fact]
    public void A_group_whose_fast_compression_would_not_fit_is_compressed_thoroughly_and_still_fits()
    {
        var content = Owned();
        content.ConfigCopy!.Volumes = Enumerable.Range(0, 24000).Select(Laid).ToList();
        Assert.True(FastDeflatedLength(content.ConfigCopy) > PrivateRegion.LeaseOffset - PrivateRegion.CopyOffset, $"the group is large enough for the test: {FastDeflatedLength(content.ConfigCopy)}");

        var decoded = PrivateRegion.Decode(PrivateRegion.Encode(content));

        Assert.Null(decoded.Content!.CopyProblem);
        Assert.Equal(24000, decoded.Content.ConfigCopy!.Volumes.Count);
    }

    /// <summary>A one-plex volume of its own size at its own place, as a long-lived group has them.</summary>
    private static Model.Volume Laid(int i)
    {
        var size = (1L + i % 7) << 20;
        var subdisk = new Model.Subdisk { Name = $"dg01-d1-{i + 1:D2}", Disk = "dg01-d1", Offset = (long)i * (8L << 20), Length = size };
        return new Model.Volume { Name = $"vol{i:D5}", SizeBytes = size, Plexes = [new Model.Plex { Name = $"vol{i:D5}-01", Subdisks = [subdisk] }] };
    }

    private static long FastDeflatedLength(Model.DiskGroup group)
    {
        using var buffer = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            deflate.Write(System.Text.Encoding.UTF8.GetBytes(Serialization.DatabaseYaml.WriteDiskGroup(group)));
        return buffer.Length;
    }

    [Fact]
    public void A_configuration_copy_too_large_for_the_region_is_refused_when_encoding()
    {
        var content = Owned();
        content.ConfigCopy!.Volumes = Enumerable.Range(0, 40000).Select(i => new Model.Volume { Name = Guid.NewGuid().ToString("N"), SizeBytes = i }).ToList();

        var e = Assert.Throws<ArgumentException>(() => PrivateRegion.Encode(content));

        Assert.Contains("dg01-d1", e.Message);
    }

    private static Model.Volume Renamed(Model.Volume volume, string name)
    {
        var copy = volume.Clone();
        copy.Name = name;
        return copy;
    }

    private static byte[] Flipped(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0x01;
        return copy;
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) is >= 0 and var at
        ? at
        : throw new InvalidOperationException("not found");
}
