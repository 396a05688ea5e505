using VolumeManager.Engine.Cluster;
using Xunit;

namespace VolumeManager.Engine.Tests.Engine;

/// <summary>An endpoint as Get-VmNode shows it is what Add-VmNode -Endpoint takes; anything else is refused.</summary>
public sealed class EndpointDefinitionTests
{
    [Theory]
    [InlineData("ssh://vmadmin@node4.example.com:2222", "node4.example.com", 2222, "vmadmin")]
    [InlineData("ssh://10.0.0.14", "10.0.0.14", 22, null)]
    [InlineData("ssh://root@[::1]:22", "[::1]", 22, "root")]
    public void An_ssh_endpoint_reads_back_as_written(string text, string host, int port, string? user)
    {
        var endpoint = EndpointDefinition.Parse(text)!;

        Assert.Equal(EndpointKind.Ssh, endpoint.Kind);
        Assert.Equal(host, endpoint.Host);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(user, endpoint.User);
        Assert.Equal(endpoint.ToString(), EndpointDefinition.Parse(endpoint.ToString())!.ToString());
    }

    [Fact]
    public void A_wsman_endpoint_names_its_computer() => Assert.Equal("node4", EndpointDefinition.Parse("wsman://node4")!.ComputerName);

    [Theory]
    [InlineData("node4")]
    [InlineData("local")]
    [InlineData("http://node4")]
    [InlineData("ssh://")]
    [InlineData("ssh://node4/path")]
    [InlineData("ssh://node4?x=1")]
    public void Anything_else_is_not_an_endpoint(string text) => Assert.Null(EndpointDefinition.Parse(text));

    [Theory]
    [InlineData("10.0.0.14:41001", true)]
    [InlineData("[::1]:41001", true)]
    [InlineData("node4:0", false)]
    [InlineData("nowhere", false)]
    public void An_interconnect_address_is_host_and_port(string text, bool valid) => Assert.Equal(valid, NodeDefinition.IsInterconnectAddress(text));
}
