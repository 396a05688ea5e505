using VolumeManager.Engine.DesiredState;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Engine.Tests.DesiredState;

public sealed class DesiredStateYamlTests
{
    private const string Source = "state.yaml";

    private const string Valid = """
        diskGroups:
          - name: dg01
            shared: true
            disks: [d01, d02]
            volumes:
              - { name: v1, size: 64MB, mirrors: 2 }
              - name: v2
                size: 1048576
          - name: dg02
            node: n2
            disks: [d03]
        """;

    private static DesiredConfiguration Parse(string text) => DesiredStateYaml.Parse(text, Source);

    private static ConfigurationFormatException Refused(string text) => Assert.Throws<ConfigurationFormatException>(() => Parse(text));

    [Fact]
    public void ReadsGroupsDisksAndVolumes()
    {
        var state = Parse(Valid);
        Assert.Equal(["dg01", "dg02"], state.DiskGroups.Select(g => g.Name));
        var dg01 = state.DiskGroups[0];
        Assert.True(dg01.Shared);
        Assert.Null(dg01.Node);
        Assert.Equal(["d01", "d02"], dg01.Disks);
        Assert.Equal((64L << 20, 2), (dg01.Volumes[0].SizeBytes, dg01.Volumes[0].Mirrors));
        Assert.Equal((1L << 20, 1), (dg01.Volumes[1].SizeBytes, dg01.Volumes[1].Mirrors));
        Assert.False(state.DiskGroups[1].Shared);
        Assert.Equal("n2", state.DiskGroups[1].Node);
        Assert.Empty(state.DiskGroups[1].Volumes);
        Assert.Equal("state.yaml, line 2, column 5", dg01.Location);
    }

    [Fact]
    public void WritesWhatItReads()
    {
        var text = DesiredStateYaml.Write(Parse(Valid));
        Assert.Contains("size: 64MB", text);
        Assert.Contains("size: 1MB", text);
        Assert.Equal(text, DesiredStateYaml.Write(Parse(text)));
    }

    [Theory]
    [InlineData("diskGroups: [ { name: dg01, shared: true, disks: [d01 }", 1, "not valid YAML")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true\n    disks: [d01]\n    colour: blue", 5, "unknown key 'colour' in disk group 'dg01'")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true\n    disks: [d01]\n    volumes:\n      - { name: v1, size: 12XB }", 6, "'12XB' is not a size")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true\n    disks: [d01]\n  - name: dg01\n    shared: true\n    disks: [d02]", 5, "disk group 'dg01' is declared twice (first at line 2")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true\n    disks: [d01]\n  - name: dg02\n    shared: true\n    disks: [d01]", 7, "disk 'd01' is declared twice")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true\n    disks: [d01]\n    volumes:\n      - { name: v1, size: 1MB }\n      - { name: v1, size: 2MB }", 7, "volume 'v1' in disk group 'dg01' is declared twice")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true", 2, "missing required key 'disks' in disk group 'dg01'")]
    [InlineData("diskGroups:\n  - name: dg01\n    disks: [d01]", 2, "missing required key 'node'")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: yes please\n    disks: [d01]", 3, "'yes please' is not true or false")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true\n    disks: d01", 4, "expected a list for 'disks'")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true\n    disks: [d01]\n    volumes:\n      - { name: v1, size: 1MB, mirrors: two }", 6, "'two' is not a whole number")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true\n    disks: [d01]\n    volumes:\n      - { name: v1, size: 1000 }", 6, "not a whole number of 512-byte sectors")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true\n    disks: [d01]\n    volumes:\n      - { name: v1, size: 1MB, mirrors: 0 }", 6, "between 1 and 32 mirrors")]
    [InlineData("diskGroups:\n  - name: 'bad name'\n    shared: true\n    disks: [d01]", 2, "is not valid")]
    [InlineData("diskGroups:\n  - name: dg01\n    shared: true\n    node: n1\n    disks: [d01]", 4, "a shared disk group has none")]
    [InlineData("groups: []", 1, "unknown key 'groups'")]
    [InlineData("diskGroups:\n  - name: dg01\n    name: dg02\n    shared: true\n    disks: [d01]", 3, "")]
    public void RefusesMalformedFilesNamingLineAndColumn(string text, int line, string problem)
    {
        var error = Refused(text);
        Assert.Equal(Source, error.SourceName);
        Assert.Equal(line, error.Line);
        Assert.True(error.Column >= 1);
        Assert.Contains(problem, error.Message);
        Assert.StartsWith($"state.yaml, line {line}, column {error.Column}: ", error.Message);
    }

    [Theory]
    [InlineData("256MB", 256L << 20)]
    [InlineData("1GB", 1L << 30)]
    [InlineData("1.5gb", 3L << 29)]
    [InlineData("4KB", 4096L)]
    [InlineData("2TB", 2L << 40)]
    [InlineData("1048576", 1048576L)]
    public void ReadsSizesAsPowerShellLiterals(string text, long bytes)
    {
        Assert.True(SizeLiteral.TryParse(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("12XB")]
    [InlineData("1.5")]
    [InlineData("-1MB")]
    [InlineData("MB")]
    [InlineData("99999999PB")]
    [InlineData("1.0000001KB")]
    public void RefusesWhatIsNoSize(string text) => Assert.False(SizeLiteral.TryParse(text, out _));

    [Theory]
    [InlineData(64L << 20, "64MB")]
    [InlineData(1L << 30, "1GB")]
    [InlineData(1536L, "1536")]
    [InlineData(3L << 29, "1536MB")]
    public void FormatsSizesInTheLargestExactUnit(long bytes, string text) => Assert.Equal(text, SizeLiteral.Format(bytes));
}
