using VolumeManager.Engine.Cluster;

namespace VolumeManager.Engine.Tests.Engine;

/// <summary>The documented example definitions in examples/ parse as the cmdlets read them.</summary>
public sealed class ExampleClusterDefinitionTests
{
    private static string ExamplesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VolumeManager.slnx"))) return Path.Combine(dir.FullName, "examples");
        }
        throw new DirectoryNotFoundException($"No VolumeManager.slnx above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public void The_three_node_ssh_example_parses_with_paths_resolved_against_its_folder()
    {
        var folder = ExamplesFolder();
        var path = Path.Combine(folder, "cluster-ssh.yaml");

        var definition = ClusterDefinitionYaml.Parse(File.ReadAllText(path), path, folder);

        Assert.Equal(["node1", "node2", "node3"], definition.Nodes.Select(n => n.Name));
        Assert.All(definition.Nodes, n => Assert.Equal(EndpointKind.Ssh, n.Endpoint.Kind));
        Assert.Equal(["node1.example.com", "node2.example.com", "node3.example.com"], definition.Nodes.Select(n => n.Endpoint.Host));
        Assert.All(definition.Nodes, n => Assert.Equal(22, n.Endpoint.Port));
        Assert.All(definition.Nodes, n => Assert.Equal(Path.Combine(folder, "secrets", "id_ed25519"), n.Endpoint.KeyFile));
        Assert.Equal(Path.Combine(folder, "secrets", "cluster.key"), definition.KeyFile);
        Assert.Equal(TimeSpan.FromSeconds(10), definition.FailureTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), definition.HeartbeatInterval);
    }
}
