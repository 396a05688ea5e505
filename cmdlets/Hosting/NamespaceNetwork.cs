using System.Globalization;
using VolumeManager.Cmdlets.Endpoints;

namespace VolumeManager.Cmdlets.Hosting;

/// <summary>
/// The network of a namespace-isolated local cluster (<c>Start-VmLocalCluster -Isolation Namespace</c>, root only):
/// one network namespace per node with an <c>eth0</c> holding the node's own test address 10.231.S.N/24, the other
/// end of each veth pair on a bridge of the cluster's own in the root namespace (10.231.S.254, so the administrator's
/// shell reaches every node). Nothing here routes anywhere else. Its names and subnet are recorded in
/// <see cref="FileName"/> in the cluster's folder, so a stop (even by another session) removes exactly what it made.
/// </summary>
internal sealed class NamespaceNetwork
{
    public const string FileName = "netns";
    public const int AgentPort = 7600;
    public const int SshPort = 22;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    private NamespaceNetwork(string id, int subnet, IReadOnlyList<string> nodes)
    {
        Id = id;
        Subnet = subnet;
        Nodes = nodes;
    }

    /// <summary>Six hex digits naming the cluster's bridge, veths and namespaces.</summary>
    public string Id { get; }

    /// <summary>The third octet of the cluster's 10.231.S.0/24.</summary>
    public int Subnet { get; }

    public IReadOnlyList<string> Nodes { get; }

    public string Bridge => $"vmb{Id}";

    public string BridgeAddress => $"10.231.{Subnet}.254";

    public string Namespace(string node) => $"vm{Id}-{node}";

    public string Address(string node) => $"10.231.{Subnet}.{Index(node) + 1}";

    /// <summary>The command prefix that runs a program inside the node's namespace.</summary>
    public string[] Exec(string node) => ["ip", "netns", "exec", Namespace(node)];

    /// <summary>A new network plan for these nodes on a 10.231.S.0/24 no interface of this host uses yet.</summary>
    public static NamespaceNetwork Plan(IReadOnlyList<string> nodes)
    {
        if (nodes.Count > 253) throw new ArgumentException("A namespace cluster holds at most 253 nodes.", nameof(nodes));
        var used = UsedSubnets();
        var free = Enumerable.Range(1, 250).Where(s => !used.Contains(s)).ToList();
        if (free.Count == 0) throw new InvalidOperationException("Every 10.231.S.0/24 test subnet is in use on this host.");
        return new NamespaceNetwork(Guid.NewGuid().ToString("N")[..6], free[Random.Shared.Next(free.Count)], nodes);
    }

    /// <summary>The network recorded in a cluster folder, or null when the cluster is not namespace-isolated.</summary>
    public static NamespaceNetwork? Load(string root)
    {
        var file = Path.Combine(root, FileName);
        if (!File.Exists(file)) return null;
        var words = File.ReadAllText(file).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 3 || !int.TryParse(words[1], CultureInfo.InvariantCulture, out var subnet))
            throw new InvalidDataException($"{file} is not a namespace network record (id, subnet, node names).");
        return new NamespaceNetwork(words[0], subnet, words[2..]);
    }

    /// <summary>The plan with one more node (Add-VmNode): the next address of the subnet; the nodes already there keep theirs.</summary>
    public NamespaceNetwork With(string node)
    {
        if (Nodes.Contains(node)) return this;
        if (Nodes.Count >= 253) throw new InvalidOperationException($"namespace network {Id} holds 253 nodes already.");
        return new NamespaceNetwork(Id, Subnet, [.. Nodes, node]);
    }

    /// <summary>The plan without a node added last whose addition did not commit (Add-VmNode undoing what it made).</summary>
    public NamespaceNetwork WithoutLast(string node) =>
        Nodes.Count > 0 && Nodes[^1] == node ? new NamespaceNetwork(Id, Subnet, [.. Nodes.Take(Nodes.Count - 1)]) : this;

    public void Save(string root) =>
        File.WriteAllText(Path.Combine(root, FileName), $"{Id} {Subnet} {string.Join(' ', Nodes)}\n");

    public static void RequireRoot()
    {
        if (!OperatingSystem.IsLinux() || !IsEffectiveRoot())
            throw new UnauthorizedAccessException("Network namespaces need root: run Start-VmLocalCluster -Isolation Namespace as root on Linux.");
    }

    /// <summary>Creates the bridge, and per node its namespace, veth pair and address; removes what it made if a step fails.</summary>
    public async Task CreateAsync(CancellationToken ct)
    {
        try
        {
            await IpAsync(ct, "link", "add", Bridge, "type", "bridge");
            await IpAsync(ct, "addr", "add", $"{BridgeAddress}/24", "dev", Bridge);
            await IpAsync(ct, "link", "set", Bridge, "up");
            foreach (var node in Nodes) await MakeNodeAsync(node, ct);
        }
        catch
        {
            await RemoveAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>Deletes every namespace (and so its veth pair) and the bridge; what is already gone is skipped.</summary>
    public async Task RemoveAsync(CancellationToken ct)
    {
        foreach (var node in Nodes) await TryIpAsync(ct, "netns", "delete", Namespace(node));
        foreach (var node in Nodes) await TryIpAsync(ct, "link", "delete", HostVeth(node));
        await TryIpAsync(ct, "link", "delete", Bridge);
    }

    /// <summary>Takes the node's only link down (a real link failure) or brings it up again.</summary>
    public Task SetLinkAsync(string node, bool up, CancellationToken ct) =>
        IpAsync(ct, "-n", Namespace(node), "link", "set", "eth0", up ? "up" : "down");

    /// <summary>Whether the node's namespace exists (a quick check that the network is in place).</summary>
    public async Task<bool> ExistsAsync(CancellationToken ct)
    {
        var (_, output, _) = await ProcessTools.RunAsync("ip", ["netns", "list"], CommandTimeout, ct);
        return Nodes.All(n => output.Split('\n').Any(line => line.Split(' ')[0] == Namespace(n)));
    }

    /// <summary>Takes one node's namespace (and so its veth pair) away; its address is not given to another node.</summary>
    public async Task RemoveNodeAsync(string node, CancellationToken ct)
    {
        await TryIpAsync(ct, "netns", "delete", Namespace(node));
        await TryIpAsync(ct, "link", "delete", HostVeth(node));
    }

    /// <summary>One node's namespace, veth pair to the bridge and address; what it made is removed again if a step fails.</summary>
    public async Task CreateNodeAsync(string node, CancellationToken ct)
    {
        try { await MakeNodeAsync(node, ct); }
        catch
        {
            await RemoveNodeAsync(node, CancellationToken.None);
            throw;
        }
    }

    private async Task MakeNodeAsync(string node, CancellationToken ct)
    {
        var ns = Namespace(node);
        await IpAsync(ct, "netns", "add", ns);
        await IpAsync(ct, "link", "add", HostVeth(node), "type", "veth", "peer", "name", "eth0", "netns", ns);
        await IpAsync(ct, "link", "set", HostVeth(node), "master", Bridge);
        await IpAsync(ct, "link", "set", HostVeth(node), "up");
        await IpAsync(ct, "-n", ns, "addr", "add", $"{Address(node)}/24", "dev", "eth0");
        await IpAsync(ct, "-n", ns, "link", "set", "lo", "up");
        await IpAsync(ct, "-n", ns, "link", "set", "eth0", "up");
    }

    private string HostVeth(string node) => $"vmv{Id}{Index(node)}";

    private int Index(string node)
    {
        var index = Nodes.ToList().IndexOf(node);
        return index >= 0 ? index : throw new ArgumentException($"'{node}' is not a node of namespace network {Id}.", nameof(node));
    }

    private static async Task IpAsync(CancellationToken ct, params string[] arguments)
    {
        var (exit, output, error) = await ProcessTools.RunAsync("ip", arguments, CommandTimeout, ct);
        if (exit != 0) throw new InvalidOperationException($"'ip {string.Join(' ', arguments)}' failed (exit {exit}): {error} {output}".Trim());
    }

    private static async Task TryIpAsync(CancellationToken ct, params string[] arguments)
    {
        try { await ProcessTools.RunAsync("ip", arguments, CommandTimeout, ct); }
        catch (TimeoutException) { }
    }

    private static HashSet<int> UsedSubnets()
    {
        var used = new HashSet<int>();
        foreach (var address in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
                     .SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(a => a.Address))
        {
            var bytes = address.GetAddressBytes();
            if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && bytes[0] == 10 && bytes[1] == 231) used.Add(bytes[2]);
        }
        return used;
    }

    private static bool IsEffectiveRoot() => File.Exists("/proc/self/status")
        && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, _, "0", ..];
}
