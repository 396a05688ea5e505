using VolumeManager.Engine.Cluster;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;

namespace VolumeManager.Engine.Tests.Engine;

public sealed class ClusterDefinitionYamlTests
{
    private const string Source = "/etc/vm/cluster.yaml";

    internal const string Example = Valid;

    private const string Valid = """
        name: demo
        id: 6f1c2a9e-0000-0000-0000-000000000000
        keyFile: /abs/path/cluster.key
        heartbeatInterval: 250ms      # durations accept '250ms', '2s', '1.5s', '1m'
        failureTimeout: 10s
        nodes:
          - name: n1
            interconnect: 127.0.0.1:41001
            endpoint: local
            disks: [ "/abs/nodes/n1/dev/*" ]
            stateDirectory: /abs/nodes/n1/state
          - name: n2
            interconnect: 127.0.0.1:41002
            endpoint: { ssh: { host: 127.0.0.1, port: 22101, user: root, keyFile: /abs/id_ed25519 } }
            disks: [ "/abs/nodes/n2/dev/a", "/abs/nodes/n2/dev/b" ]
            stateDirectory: /abs/nodes/n2/state
          - name: n3
            interconnect: "[::1]:41003"
            endpoint: { wsman: { computerName: host1 } }
            stateDirectory: /abs/nodes/n3/state
        """;

    private static ClusterDefinition Parse(string text, string? baseDirectory = null) => ClusterDefinitionYaml.Parse(text, Source, baseDirectory);

    private static ConfigurationFormatException Refused(string text) =>
        Assert.Throws<ConfigurationFormatException>(() => Parse(text));

    /// <summary>The valid definition with one line replaced, or removed when <paramref name="replacement"/> is null.</summary>
    private static string Edit(string line, string? replacement) =>
        Valid.Contains(line) ? Valid.Replace(line + "\n", replacement is null ? "" : replacement + "\n") : throw new ArgumentException(line);

    private static int LineOf(string text, string fragment) => text[..text.IndexOf(fragment, StringComparison.Ordinal)].Count(c => c == '\n') + 1;

    [Fact]
    public void The_documented_example_parses()
    {
        var definition = Parse(Valid);

        Assert.Equal("demo", definition.Name);
        Assert.Equal(Guid.Parse("6f1c2a9e-0000-0000-0000-000000000000"), definition.Id);
        Assert.Equal("/abs/path/cluster.key", definition.KeyFile);
        Assert.Equal(TimeSpan.FromMilliseconds(250), definition.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), definition.FailureTimeout);
        Assert.Equal(Source, definition.SourcePath);
        Assert.Equal(["n1", "n2", "n3"], definition.Nodes.Select(n => n.Name));
        Assert.Equal([0, 1, 2], definition.Nodes.Select(n => n.Order));
        Assert.Equal(["/abs/nodes/n1/dev/*"], definition.Nodes[0].Disks);
        Assert.Empty(definition.Nodes[2].Disks);
        Assert.Equal("/abs/nodes/n1/state", definition.Nodes[0].StateDirectory);
    }

    [Fact]
    public void The_three_endpoint_forms_are_read()
    {
        var nodes = Parse(Valid).Nodes;

        Assert.Equal(EndpointKind.Local, nodes[0].Endpoint.Kind);
        var ssh = nodes[1].Endpoint;
        Assert.Equal((EndpointKind.Ssh, "127.0.0.1", 22101, "root", "/abs/id_ed25519"), (ssh.Kind, ssh.Host, ssh.Port, ssh.User, ssh.KeyFile));
        Assert.Equal((EndpointKind.WSMan, "host1"), (nodes[2].Endpoint.Kind, nodes[2].Endpoint.ComputerName));
        Assert.Equal(["local", "ssh://root@127.0.0.1:22101", "wsman://host1"], nodes.Select(n => n.Endpoint.ToString()));
    }

    [Fact]
    public void Ssh_port_defaults_to_22_and_timings_to_250ms_and_10s()
    {
        var text = Edit("heartbeatInterval: 250ms      # durations accept '250ms', '2s', '1.5s', '1m'", null)
            .Replace("failureTimeout: 10s\n", "")
            .Replace("port: 22101, user: root, keyFile: /abs/id_ed25519", "user: root");

        var definition = Parse(text);

        Assert.Equal(22, definition.Nodes[1].Endpoint.Port);
        Assert.Null(definition.Nodes[1].Endpoint.KeyFile);
        Assert.Equal(TimeSpan.FromMilliseconds(250), definition.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), definition.FailureTimeout);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("2s", 2000)]
    [InlineData("1.5s", 1500)]
    [InlineData("1m", 60000)]
    [InlineData("0.5ms", 0.5)]
    public void Durations_accept_ms_s_and_m(string text, double milliseconds)
    {
        var definition = Parse(Valid.Replace("failureTimeout: 10s", $"failureTimeout: {text}"));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), definition.FailureTimeout);
    }

    [Fact]
    public void A_definition_round_trips_through_write()
    {
        var definition = Parse(Valid.Replace("failureTimeout: 10s", "failureTimeout: 1.5s"));

        var text = ClusterDefinitionYaml.Write(definition);
        var back = ClusterDefinitionYaml.Parse(text, Source);

        Assert.Equal(Fixtures.Json(definition), Fixtures.Json(back));
        Assert.Equal(text, ClusterDefinitionYaml.Write(back));
        Assert.Contains("heartbeatInterval: 250ms", text);
        Assert.Contains("failureTimeout: 1500ms", text);
        Assert.Contains("endpoint: local", text);
    }

    [Fact]
    public void Relative_paths_are_resolved_against_the_base_directory_and_absolute_ones_kept()
    {
        var text = Valid.Replace("keyFile: /abs/path/cluster.key", "keyFile: cluster.key")
            .Replace("\"/abs/nodes/n1/dev/*\"", "\"nodes/n1/dev/*\"")
            .Replace("stateDirectory: /abs/nodes/n1/state", "stateDirectory: ./nodes/n1/../n1/state")
            .Replace("keyFile: /abs/id_ed25519", "keyFile: keys/id_ed25519");
        var root = Path.GetFullPath("/srv/demo");

        var definition = Parse(text, root);

        Assert.Equal(Path.Combine(root, "cluster.key"), definition.KeyFile);
        Assert.Equal([Path.Combine(root, "nodes", "n1", "dev", "*")], definition.Nodes[0].Disks);
        Assert.Equal(Path.Combine(root, "nodes", "n1", "state"), definition.Nodes[0].StateDirectory);
        Assert.Equal(Path.Combine(root, "keys", "id_ed25519"), definition.Nodes[1].Endpoint.KeyFile);
        Assert.Equal("/abs/nodes/n2/state", definition.Nodes[1].StateDirectory);
        Assert.Equal("cluster.key", Parse(text).KeyFile);
    }

    [Fact]
    public void Protocol_options_and_peers_come_from_the_definition()
    {
        var definition = Parse(Valid.Replace("heartbeatInterval: 250ms", "heartbeatInterval: 100ms"));

        var options = definition.ToProtocolOptions();

        Assert.Equal(TimeSpan.FromMilliseconds(100), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(1000), options.DownAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.DiscoverTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.FailureTimeout);
        Assert.Equal(
            [new PeerAddress("n1", "127.0.0.1:41001", 0), new PeerAddress("n2", "127.0.0.1:41002", 1), new PeerAddress("n3", "[::1]:41003", 2)],
            definition.Peers());
    }

    [Fact]
    public void Bad_yaml_syntax_names_the_source_line_and_column()
    {
        var text = Valid.Replace("    interconnect: 127.0.0.1:41002", "    interconnect: [127.0.0.1:41002");

        var e = Refused(text);

        Assert.StartsWith($"{Source}, line ", e.Message);
        Assert.Contains("not valid YAML", e.Message);
        Assert.Equal(Source, e.SourceName);
        Assert.True(e.Line >= LineOf(text, "[127.0.0.1:41002"), e.Message);
    }

    [Fact]
    public void An_unknown_key_is_named_with_its_position_and_the_keys_allowed()
    {
        var text = Valid.Replace("nodes:", "nodez:");

        var e = Refused(text);

        Assert.Equal((LineOf(text, "nodez:"), 1), (e.Line, e.Column));
        Assert.Contains("unknown key 'nodez'", e.Message);
        Assert.Contains("expected one of: name, id, keyFile, heartbeatInterval, failureTimeout, ioDrainTimeout, nodes", e.Message);
    }

    [Fact]
    public void An_unknown_key_in_a_node_names_the_node()
    {
        var text = Valid.Replace("    stateDirectory: /abs/nodes/n2/state", "    stateDir: /abs/nodes/n2/state");

        var e = Refused(text);

        Assert.Equal((LineOf(text, "stateDir:"), 5), (e.Line, e.Column));
        Assert.Contains("unknown key 'stateDir' in node 2", e.Message);
    }

    [Theory]
    [InlineData("id: 6f1c2a9e-0000-0000-0000-000000000000", "'id' in the cluster definition")]
    [InlineData("keyFile: /abs/path/cluster.key", "'keyFile' in the cluster definition")]
    [InlineData("    interconnect: 127.0.0.1:41002", "'interconnect' in node 'n2'")]
    [InlineData("    stateDirectory: /abs/nodes/n1/state", "'stateDirectory' in node 'n1'")]
    [InlineData("    endpoint: local", "'endpoint' in node 'n1'")]
    public void A_missing_required_key_is_named(string line, string named)
    {
        var e = Refused(Edit(line, null));

        Assert.Contains($"missing required key {named}", e.Message);
        Assert.True(e.Line > 0 && e.Column > 0);
    }

    [Fact]
    public void A_missing_node_key_points_at_the_node()
    {
        var text = Edit("    interconnect: 127.0.0.1:41002", null);

        var e = Refused(text);

        Assert.Equal((LineOf(text, "name: n2"), 5), (e.Line, e.Column));
    }

    [Theory]
    [InlineData("../x", "is not valid")]
    [InlineData("a;b", "is not valid")]
    [InlineData("\"\"", "is empty")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789", "at most 31")]
    public void An_invalid_node_name_is_refused_with_the_name_rule(string name, string reason)
    {
        var text = Valid.Replace("  - name: n2", $"  - name: {name}");

        var e = Refused(text);

        Assert.Equal((LineOf(text, $"name: {name}"), 11), (e.Line, e.Column));
        Assert.Contains("node name", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void A_duplicate_node_name_is_refused_where_it_repeats()
    {
        var text = Valid.Replace("  - name: n3", "  - name: n1");

        var e = Refused(text);

        Assert.Equal((LineOf(text, "name: n1\n    interconnect: \"[::1]"), 11), (e.Line, e.Column));
        Assert.Contains("duplicate node name 'n1'", e.Message);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData(":41002")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:port")]
    [InlineData("::1:41002")]
    public void An_interconnect_that_is_not_host_port_is_refused(string address)
    {
        var text = Valid.Replace("interconnect: 127.0.0.1:41002", $"interconnect: \"{address}\"");

        var e = Refused(text);

        Assert.Equal((LineOf(text, $"\"{address}\""), 19), (e.Line, e.Column));
        Assert.Contains($"'{address}' is not host:port", e.Message);
        Assert.Contains("node 'n2'", e.Message);
    }

    [Fact]
    public void A_duplicate_interconnect_address_is_refused_naming_the_node_that_has_it()
    {
        var text = Valid.Replace("interconnect: 127.0.0.1:41002", "interconnect: 127.0.0.1:41001");

        var e = Refused(text);

        Assert.Equal((LineOf(text, "41001\n    endpoint: { ssh"), 19), (e.Line, e.Column));
        Assert.Contains("duplicate interconnect address '127.0.0.1:41001'", e.Message);
        Assert.Contains("node 'n1' already uses it", e.Message);
    }

    [Theory]
    [InlineData("remote")]
    [InlineData("{ telnet: { host: h } }")]
    [InlineData("{ ssh: { host: h }, wsman: { computerName: c } }")]
    [InlineData("[ local ]")]
    public void An_endpoint_of_none_of_the_three_forms_is_refused(string endpoint)
    {
        var text = Valid.Replace("    endpoint: local", $"    endpoint: {endpoint}");

        var e = Refused(text);

        Assert.Equal((LineOf(text, $"endpoint: {endpoint}"), 15), (e.Line, e.Column));
        Assert.Contains("the endpoint of node 'n1'", e.Message);
        Assert.Contains("expected one of: local, { ssh: { host, port, user, keyFile } }, { wsman: { computerName } }", e.Message);
    }

    [Fact]
    public void An_ssh_endpoint_with_an_unknown_key_or_bad_port_is_refused()
    {
        var unknown = Refused(Valid.Replace("user: root", "username: root"));
        var port = Refused(Valid.Replace("port: 22101", "port: 70000"));

        Assert.Contains("unknown key 'username' in the ssh endpoint of node 'n2'", unknown.Message);
        Assert.Contains("'70000' is not a port number", port.Message);
    }

    [Theory]
    [InlineData("10parsecs")]
    [InlineData("10")]
    [InlineData("-1s")]
    [InlineData("0s")]
    [InlineData("fast")]
    [InlineData("99999999999999999999999999h")]
    public void A_bad_duration_is_refused(string duration)
    {
        var text = Valid.Replace("failureTimeout: 10s", $"failureTimeout: {duration}");

        var e = Refused(text);

        Assert.Equal((LineOf(text, "failureTimeout:"), 17), (e.Line, e.Column));
        Assert.Contains("'failureTimeout'", e.Message);
        Assert.Contains(duration == "0s" ? "longer than zero" : $"'{duration}' is not a duration", e.Message);
    }

    [Fact]
    public void An_id_that_is_not_a_guid_is_refused()
    {
        var e = Refused(Valid.Replace("id: 6f1c2a9e-0000-0000-0000-000000000000", "id: demo-1"));

        Assert.Equal((2, 5), (e.Line, e.Column));
        Assert.Contains("'demo-1' is not a GUID", e.Message);
    }

    [Fact]
    public void No_nodes_or_an_empty_text_is_refused()
    {
        var noNodes = Refused(Valid[..Valid.IndexOf("nodes:", StringComparison.Ordinal)] + "nodes: []\n");
        var empty = Refused("");
        var list = Refused("- name: demo\n");

        Assert.Contains("lists no node", noNodes.Message);
        Assert.Contains("empty", empty.Message);
        Assert.Contains("expected the cluster definition to be a mapping", list.Message);
    }

    [Fact]
    public void A_relative_base_directory_is_a_programming_error()
    {
        Assert.Throws<ArgumentException>(() => Parse(Valid, "relative/dir"));
    }
}

public sealed class ClusterDefinitionYamlFuzzTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_mangled_definition_is_refused_with_a_located_message_or_parses_never_anything_else(int seed)
    {
        var valid = ClusterDefinitionYaml.Write(ClusterDefinitionYaml.Parse(ClusterDefinitionYamlTests.Example, "cluster.yaml"));
        var random = new Random(seed);
        const string noise = " :-[]{},#&*!|>'\"%@`\n\tx0";
        for (var i = 0; i < 500; i++)
        {
            var text = valid.ToCharArray();
            for (var edits = random.Next(1, 4); edits > 0; edits--) text[random.Next(text.Length)] = noise[random.Next(noise.Length)];
            var mangled = new string(text);
            try { ClusterDefinitionYaml.Parse(mangled, "cluster.yaml"); }
            catch (ConfigurationFormatException e) { Assert.True(e.Line >= 1 && e.Column >= 1, e.Message); }
            catch (Exception e) { Assert.Fail($"{e.GetType().Name} instead of a format error for:\n{mangled}\n{e}"); }
        }
    }
}
