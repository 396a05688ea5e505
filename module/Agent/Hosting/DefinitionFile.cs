using System.Text;
using VolumeManager.Agent.Storage;
using VolumeManager.Engine.Cluster;

namespace VolumeManager.Agent.Hosting;

/// <summary>
/// The cluster definition file this agent was started with (--cluster). A committed AddNode or RemoveNode is written
/// into it durably (temp file, fsync, rename), so a restarted agent starts with the cluster as it now is. Agents that
/// share one file (a local cluster) each write the same content through a temp file of their own.
/// </summary>
internal sealed class DefinitionFile(ClusterDefinition cluster, string self, Action<string> log)
{
    public void Define(NodeDefinition added)
    {
        // A member learnt only from the membership (added while this node was away) has no entry to write.
        if (added.StateDirectory.Length == 0 || cluster.FindNode(added.Name) is not null) return;
        cluster.Nodes.Add(new NodeDefinition
        {
            Name = added.Name, Interconnect = added.Interconnect, Endpoint = added.Endpoint, Disks = [.. added.Disks],
            StateDirectory = added.StateDirectory, Order = cluster.Nodes.Count == 0 ? 0 : cluster.Nodes.Max(n => n.Order) + 1,
        });
        Write($"node {added.Name} added");
    }

    public void Undefine(string removed)
    {
        if (cluster.Nodes.RemoveAll(n => n.Name == removed) == 0) return;
        Write($"node {removed} removed");
    }

    private void Write(string why)
    {
        if (cluster.SourcePath is not { } path) return;
        try
        {
            DurableFile.WriteAtomic(path, Encoding.UTF8.GetBytes(ClusterDefinitionYaml.Write(cluster)), temp: $"{path}.{self}.tmp");
            log($"{why}: {path} now defines {string.Join(", ", cluster.Nodes.Select(n => n.Name))}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log($"{why}, but {path} could not be written: {e.Message}");
        }
    }
}
