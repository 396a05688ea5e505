using VolumeManager.Engine.Serialization;
using static VolumeManager.Engine.Serialization.YamlText;

namespace VolumeManager.Engine.Cluster;

/// <summary>
/// The cluster definition file (cluster.yaml) to a <see cref="ClusterDefinition"/> and back. Pure:
/// the caller reads the file and passes its folder for resolving relative paths.
/// </summary>
public static class ClusterDefinitionYaml
{
    private static readonly string[] Keys = ["name", "id", "keyFile", "heartbeatInterval", "failureTimeout", "ioDrainTimeout", "nodes", "configBackups"];

    /// <summary>
    /// Parses a cluster definition. Relative keyFile, disk and stateDirectory paths are resolved
    /// against <paramref name="baseDirectory"/> (absolute), or kept as written when it is null.
    /// </summary>
    /// <exception cref="ConfigurationFormatException">The text is not a valid cluster definition; the message names where and why.</exception>
    public static ClusterDefinition Parse(string yamlText, string sourceName, string? baseDirectory = null)
    {
        var paths = new BaseDirectory(baseDirectory);
        var map = YamlMap.From(LoadRoot(yamlText, sourceName), sourceName, "the cluster definition").AllowOnly(Keys);
        return new ClusterDefinition
        {
            Name = ClusterYamlValues.Name(map, "cluster"),
            Id = ClusterId(map),
            KeyFile = paths.Resolve(ClusterYamlValues.NonEmpty(map, "keyFile")),
            HeartbeatInterval = ClusterYamlValues.Duration(map, "heartbeatInterval", ClusterDefinition.DefaultHeartbeatInterval),
            FailureTimeout = ClusterYamlValues.Duration(map, "failureTimeout", ClusterDefinition.DefaultFailureTimeout),
            IoDrainTimeout = ClusterYamlValues.Duration(map, "ioDrainTimeout", ClusterDefinition.DefaultIoDrainTimeout),
            Nodes = NodeDefinitionYaml.ReadAll(map, paths),
            ConfigBackups = ClusterYamlValues.Count(map, "configBackups", Storage.Rotation.DefaultKeep, 1, Storage.Rotation.MaxKeep),
            SourcePath = sourceName,
        };
    }

    public static string Write(ClusterDefinition definition) => Emit(Map(
        ("name", Text(definition.Name)),
        ("id", Id(definition.Id)),
        ("keyFile", Text(definition.KeyFile)),
        ("heartbeatInterval", Text(Durations.Format(definition.HeartbeatInterval))),
        ("failureTimeout", Text(Durations.Format(definition.FailureTimeout))),
        ("ioDrainTimeout", Text(Durations.Format(definition.IoDrainTimeout))),
        ("nodes", Sequence(definition.Nodes.Select(NodeDefinitionYaml.Write))),
        ("configBackups", definition.ConfigBackups == Storage.Rotation.DefaultKeep ? null : Number(definition.ConfigBackups))));

    private static Guid ClusterId(YamlMap map)
    {
        var id = map.Guid("id");
        return id != Guid.Empty ? id : throw map.Error(map.Required("id"), $"'id' in {map.What} is all zeros; give the cluster a unique GUID.");
    }
}
