using VolumeManager.Agent.Hosting;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Tests.Transport;

namespace VolumeManager.Engine.Tests.Agent;

/// <summary>The agent's test fault hook: the lasting rules that cut a link and skip an effect.</summary>
public sealed class FaultHookTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly AgentLog log;

    public FaultHookTests() => log = new AgentLog(temp.File("vmconfigd.log"), "n1");

    public void Dispose()
    {
        log.Dispose();
        temp.Dispose();
    }

    [Fact]
    public void A_dropped_link_stays_cut_until_it_is_healed()
    {
        var hook = new FaultHook(enabled: true, log);
        Assert.False(hook.Drops("n2"));
        Assert.Equal("", hook.Arm("drop:n2"));
        Assert.True(hook.Drops("n2"));
        Assert.True(hook.Drops("n2"));
        Assert.False(hook.Drops("n3"));
        Assert.Equal("", hook.Arm("heal:n2"));
        Assert.False(hook.Drops("n2"));
        Assert.Contains("link to n2 healed after 2 dropped frame(s)", File.ReadAllText(temp.File("vmconfigd.log")));
    }

    [Fact]
    public void Release_heals_every_link_and_ends_every_skip()
    {
        var hook = new FaultHook(enabled: true, log);
        hook.Arm("drop:n2");
        hook.Arm("skip:RenewLease");
        var round = new RenewLease(new Storage.DiskLease("n1", 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        Assert.False(hook.Before("RenewLease", round));
        Assert.False(hook.Before("RenewLease", round)); // every one, not only the next
        Assert.Empty(hook.Release()); // skipped effects are not held back to be carried out later
        Assert.False(hook.Drops("n2"));
        Assert.True(hook.Before("RenewLease", round));
    }

    [Fact]
    public void A_disabled_hook_drops_nothing_and_bad_rules_are_refused()
    {
        var off = new FaultHook(enabled: false, log);
        Assert.NotEqual("", off.Arm("drop:n2"));
        Assert.False(off.Drops("n2"));
        var hook = new FaultHook(enabled: true, log);
        Assert.Contains("drop:<peer>", hook.Arm("drop:"));
        Assert.Contains("is not a fault rule", hook.Arm("skip:RenewLease#2"));
        Assert.Equal("", hook.Arm("hold-before:Prepared#2"));
    }
}
