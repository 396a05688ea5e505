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

    /// <summary>
    /// The group as one YAML document, byte for byte what emitting the whole group gives: the group's own keys, then
    /// its volumes from the cache (a block sequence at the root is written at column 0 either way).
    /// </summary>
    public static string Group(DiskGroup group)
    {
        if (group.Volumes.Count == 0) return Emit(ModelYaml.Group(group));
        Cache(group.Volumes);
        var text = new StringBuilder(Header(group));
        text.Append("volumes:\n");
        foreach (var volume in group.Volumes) text.Append(Of(volume).Yaml);
        return text.Append("...\n").ToString();
    }

    /// <summary>
    /// The database's text, byte for byte what emitting it whole gives: <paramref name="hollow"/> is it emitted with
    /// every group's volume list empty, where each group's one "  volumes: []" line (a group's keys are at column 2
    /// under "shared:" and "private:", and no scalar spans lines) takes its volumes' cached text, indented by two.
    /// </summary>
    public static string Database(NodeDatabase database, string hollow)
    {
        const string empty = "\n  volumes: []\n";
        var text = new StringBuilder(hollow.Length + 256 * database.All.Sum(g => g.Volumes.Count));
        var at = 0;
        foreach (var group in database.Shared.Concat(database.Private))
        {
            var found = hollow.IndexOf(empty, at, StringComparison.Ordinal);
            if (found < 0) throw new InvalidOperationException($"the text of disk group '{group.Name}' has no empty volume list to fill.");
            text.Append(hollow, at, found - at);
            at = found + empty.Length;
            if (group.Volumes.Count == 0) { text.Append(empty); continue; }
            Cache(group.Volumes);
            text.Append("\n  volumes:\n");
            foreach (var volume in group.Volumes)
                foreach (var line in Of(volume).Yaml.AsSpan().EnumerateLines())
                    if (!line.IsEmpty) text.Append("  ").Append(line).Append('\n');
        }
        return text.Append(hollow, at, hollow.Length - at).ToString();
    }

    /// <summary>The group's hash: its own keys and its volumes' hashes, in order.</summary>
    public static byte[] GroupHash(DiskGroup group) => group.Hash ??= ComputeGroupHash(group);

    private static byte[] ComputeGroupHash(DiskGroup group)
    {
        Cache(group.Volumes);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(Header(group)));
        foreach (var volume in group.Volumes) hash.AppendData(Of(volume).Hash);
        return hash.GetHashAndReset();
    }

    private static VolumeText Of(Volume volume) => volume.Text ??= Entry(WithoutEndMarker(Emit(Sequence([ModelYaml.Volume(volume)]))));

    private static VolumeText Entry(string yaml) => new(yaml, SHA256.HashData(Encoding.UTF8.GetBytes(yaml)));

    /// <summary>
    /// The volumes not yet known, emitted together (one emitter for 10,000 volumes, not 10,000): each item of a
    /// block sequence at the root starts a line with "- ", and nothing else does, so the text splits back into them.
    /// </summary>
    private static void Cache(List<Volume> group)
    {
        var missing = group.Where(v => v.Text is null).ToList();
        if (missing.Count < 2) return;
        var text = WithoutEndMarker(Emit(Sequence(missing.Select(ModelYaml.Volume))));
        var items = text.Split("\n- ");
        if (items.Length != missing.Count) return; // not as expected: each volume is emitted alone instead
        for (var i = 0; i < items.Length; i++)
            missing[i].Text = Entry((i == 0 ? "" : "- ") + items[i] + (i == items.Length - 1 ? "" : "\n"));
    }

    /// <summary>The group's keys before its volumes, as emitting the group writes them.</summary>
    private static string Header(DiskGroup group) =>
        WithoutEndMarker(Emit(ModelYaml.GroupHeader(group)));

    private static string WithoutEndMarker(string text) =>
        text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
}

/// <summary>A volume's YAML (an item of a block sequence at the root) and the SHA-256 of it.</summary>
internal sealed record VolumeText(string Yaml, byte[] Hash);
