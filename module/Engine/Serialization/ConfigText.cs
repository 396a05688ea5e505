using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using VolumeManager.Engine.Model;
using static VolumeManager.Engine.Serialization.YamlText;

namespace VolumeManager.Engine.Serialization;

/// <summary>
/// Each volume's YAML and hash, and each disk group's hash, computed once per object: a configuration once applied
/// is never changed in place (<see cref="Transactions.Transaction.ApplyTo"/> copies what a change touches), so a
/// change costs the text and hash of what it touched, and a group of 10,000 volumes is not written out again to
/// compare or copy it.
/// </summary>
public static class ConfigText
{
    private sealed record VolumeEntry(string Yaml, byte[] Hash);

    private static readonly ConditionalWeakTable<Volume, VolumeEntry> volumes = [];
    private static readonly ConditionalWeakTable<DiskGroup, byte[]> groups = [];

    /// <summary>
    /// The group as one YAML document, byte for byte what emitting the whole group gives: the group's own keys, then
    /// its volumes from the cache (a block sequence at the root is written at column 0 either way).
    /// </summary>
    public static string Group(DiskGroup group)
    {
        if (group.Volumes.Count == 0) return Emit(ModelYaml.Group(group));
        var text = new StringBuilder(Header(group));
        text.Append("volumes:\n");
        foreach (var volume in group.Volumes) text.Append(Of(volume).Yaml);
        return text.Append("...\n").ToString();
    }

    /// <summary>The group's hash: its own keys and its volumes' hashes, in order.</summary>
    public static byte[] GroupHash(DiskGroup group) => groups.GetValue(group, ComputeGroupHash);

    private static byte[] ComputeGroupHash(DiskGroup group)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(Header(group)));
        foreach (var volume in group.Volumes) hash.AppendData(Of(volume).Hash);
        return hash.GetHashAndReset();
    }

    private static VolumeEntry Of(Volume volume) => volumes.GetValue(volume, v =>
    {
        var yaml = WithoutEndMarker(Emit(Sequence([ModelYaml.Volume(v)])));
        return new VolumeEntry(yaml, SHA256.HashData(Encoding.UTF8.GetBytes(yaml)));
    });

    /// <summary>The group's keys before its volumes, as emitting the group writes them.</summary>
    private static string Header(DiskGroup group) =>
        WithoutEndMarker(Emit(ModelYaml.GroupHeader(group)));

    private static string WithoutEndMarker(string text) =>
        text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
}
