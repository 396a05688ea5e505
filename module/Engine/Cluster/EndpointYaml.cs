using VolumeManager.Engine.Serialization;
using YamlDotNet.RepresentationModel;
using static VolumeManager.Engine.Serialization.YamlText;

namespace VolumeManager.Engine.Cluster;

/// <summary>A node's endpoint: <c>local</c>, <c>{ ssh: { host, port, user, keyFile } }</c> or <c>{ wsman: { computerName } }</c>.</summary>
internal static class EndpointYaml
{
    private const string Forms = "one of: local, { ssh: { host, port, user, keyFile } }, { wsman: { computerName } }";

    public static YamlNode Write(EndpointDefinition endpoint) => endpoint.Kind switch
    {
        EndpointKind.Ssh => Map(("ssh", Map(
            ("host", Text(endpoint.Host)), ("port", Number(endpoint.Port)),
            ("user", Text(endpoint.User)), ("keyFile", Text(endpoint.KeyFile))))),
        EndpointKind.WSMan => Map(("wsman", Map(("computerName", Text(endpoint.ComputerName))))),
        _ => new YamlScalarNode("local"),
    };

    public static EndpointDefinition Read(YamlMap node, BaseDirectory paths)
    {
        var value = node.Required("endpoint");
        if (value is YamlScalarNode { Value: "local" }) return EndpointDefinition.Local();
        if (value is YamlMappingNode { Children.Count: 1 } map && map.Children.Keys.Single() is YamlScalarNode { Value: var kind })
        {
            if (kind == "ssh") return Ssh(node.Map("endpoint", $"the endpoint of {node.What}").Map("ssh", $"the ssh endpoint of {node.What}"), paths);
            if (kind == "wsman") return WSMan(node.Map("endpoint", $"the endpoint of {node.What}").Map("wsman", $"the wsman endpoint of {node.What}"));
        }
        throw node.Error(value, $"the endpoint of {node.What} is {YamlValue.Describe(value)}; expected {Forms}.");
    }

    private static EndpointDefinition Ssh(YamlMap ssh, BaseDirectory paths)
    {
        ssh.AllowOnly("host", "port", "user", "keyFile");
        var host = ClusterYamlValues.NonEmpty(ssh, "host");
        var port = ssh.Has("port") ? ClusterYamlValues.Port(ssh, "port") : EndpointDefinition.DefaultSshPort;
        var keyFile = ssh.OptionalString("keyFile") is { Length: > 0 } key ? paths.Resolve(key) : null;
        return EndpointDefinition.Ssh(host, port, ssh.OptionalString("user"), keyFile);
    }

    private static EndpointDefinition WSMan(YamlMap wsman)
    {
        wsman.AllowOnly("computerName");
        return EndpointDefinition.WSMan(ClusterYamlValues.NonEmpty(wsman, "computerName"));
    }
}
