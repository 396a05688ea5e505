using System.Reflection;
using System.Text;
using System.Text.Json;
using VolumeManager.Engine.Checks;
using VolumeManager.Engine.Model;
using VolumeManager.Engine.Operations;
using VolumeManager.Engine.Protocol;
using VolumeManager.Engine.Serialization;
using VolumeManager.Engine.Transactions;
using MemberInfo = VolumeManager.Engine.Model.MemberInfo;

namespace VolumeManager.Engine.Tests.Engine;

public sealed class WireJsonTests
{
    private static IEnumerable<Type> Subtypes() => typeof(Message).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && (t.IsSubclassOf(typeof(Message)) || t.IsSubclassOf(typeof(ControlRequest)) || t.IsSubclassOf(typeof(Operation))))
        .OrderBy(t => t.FullName);

    public static TheoryData<Type> WireSubtypes() => new(Subtypes());

    [Theory]
    [MemberData(nameof(WireSubtypes))]
    public void Every_message_request_and_operation_round_trips_through_its_base_type(Type type)
    {
        var baseType = new[] { typeof(Message), typeof(ControlRequest), typeof(Operation) }.Single(type.IsSubclassOf);
        var original = Populate(type);

        var (written, back, rewritten) = ((string, object, string))typeof(WireJsonTests)
            .GetMethod(nameof(RoundTrip), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(baseType).Invoke(null, [original])!;

        Assert.IsType(type, back);
        Assert.Equal(written, rewritten);
        foreach (var property in Writable(type))
            Assert.Contains($"\"{JsonNamingPolicy.CamelCase.ConvertName(property.Name)}\":", written);
    }

    [Fact]
    public void Every_polymorphic_subtype_is_registered_so_none_is_silently_missing_from_the_theory()
    {
        var names = Subtypes().Select(t => t.Name).ToList();
        Assert.Contains(nameof(Prepare), names);
        Assert.Contains(nameof(CheckRequest), names);
        Assert.Contains(nameof(CreateDiskGroup), names);
    }

    [Fact]
    public void A_derived_message_serialised_as_itself_still_carries_its_discriminator()
    {
        var text = WireJson.SerializeToString(new Prepared { From = "n2", TransactionId = "t1", Ok = true });

        Assert.Contains("\"type\":\"Prepared\"", text);
        var back = Assert.IsType<Prepared>(WireJson.Deserialize<Message>(text));
        Assert.Equal("n2", back.From);
    }

    [Fact]
    public void Properties_are_camel_case_and_enums_are_names()
    {
        var text = WireJson.SerializeToString<ControlRequest>(new BeginRequest { Scope = TransactionScope.Private, Owner = "n1" });

        Assert.Contains("\"kind\":\"BeginRequest\"", text);
        Assert.Contains("\"scope\":\"Private\"", text);
        Assert.Contains("\"owner\":\"n1\"", text);
    }

    [Fact]
    public void A_discriminator_that_is_not_first_is_still_understood()
    {
        var request = WireJson.Deserialize<ControlRequest>("""{"id":"t9","kind":"TransactionsQuery"}""");

        Assert.Equal("t9", Assert.IsType<TransactionsQuery>(request).Id);
    }

    [Fact]
    public void A_control_response_with_a_view_a_check_result_and_records_round_trips()
    {
        var response = new ControlResponse
        {
            Ok = false, ErrorId = ErrorIds.DiskNotAccessible, Error = "node n2 cannot open disk 'd1'.",
            Failures = [NodeFailure.Of("n2", ErrorIds.DiskNotAccessible, "node n2 cannot open disk 'd1'.")],
            View = new ClusterView
            {
                ClusterName = "demo", ClusterId = Fixtures.ClusterId, Epoch = 4, Master = "n1", Generation = 7,
                Members = [new MemberInfo { Name = "n1", Rank = 0, Address = "127.0.0.1:41001", State = MemberState.Joined, ProcessId = 42, Generation = 7 },
                           new MemberInfo { Name = "n2", Rank = 1, State = MemberState.Down, LastAbortReason = "AgentWentAway" }],
                DiskGroups = [Fixtures.MirroredGroup("dg01", shared: true)],
                Disks = [Fixtures.Visible(Fixtures.Disk("d1", 1), "dg01", "n1", "n2")],
            },
            Check = NodeCheckResult.From("n2", "t1", [CheckResult.Pass(ErrorIds.StaleGeneration, "ok"), CheckResult.Fail(ErrorIds.DiskNotAccessible, "node n2 cannot open disk 'd1'.")]),
            Records = [Record(TransactionState.Committed), Record(TransactionState.Aborted)],
        };

        var back = WireJson.Deserialize<ControlResponse>(WireJson.Serialize(response));

        Assert.Equal(Fixtures.Json(response), Fixtures.Json(back));
        Assert.Equal(MemberState.Down, back.View!.Members[1].State);
        Assert.Equal(64L << 20, back.View.DiskGroups[0].Volumes[0].Plexes[1].Subdisks[0].Length);
        Assert.False(back.Check!.Passed);
        Assert.Equal(ErrorIds.DiskNotAccessible, back.Check.FirstFailure!.Name);
        Assert.IsType<CreateDiskGroup>(back.Records[0].Transaction.Operations[0]);
        Assert.Equal(TransactionState.Aborted, back.Records[1].State);
    }

    [Fact]
    public void Computed_properties_are_not_written()
    {
        using var json = JsonDocument.Parse(WireJson.Serialize(Fixtures.MirroredGroup("dg01", shared: true)));

        Assert.False(json.RootElement.TryGetProperty("sizeBytes", out _));
        Assert.True(json.RootElement.GetProperty("disks")[0].TryGetProperty("sizeBytes", out _));
        Assert.DoesNotContain("diskGroups", WireJson.SerializeToString(new Transaction { Operations = [new RemoveDiskGroup { DiskGroup = "dg01" }] }));
        Assert.DoesNotContain("activeMembers", WireJson.SerializeToString(new ClusterView()));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{\"from\":\"n1\"}")]
    [InlineData("{\"type\":\"Gossip\",\"from\":\"n1\"}")]
    [InlineData("{\"type\":\"Prepare\",")]
    [InlineData("[1,2]")]
    public void Bad_input_is_always_a_JsonException(string json)
    {
        Assert.Throws<JsonException>(() => WireJson.Deserialize<Message>(json));
        Assert.Throws<JsonException>(() => WireJson.Deserialize<Message>(Encoding.UTF8.GetBytes(json)));
    }

    private static TransactionRecord Record(TransactionState state) => new()
    {
        Transaction = new Transaction
        {
            Id = "t-" + state, Scope = TransactionScope.Shared, BaseGeneration = 6, Initiator = "n1", Coordinator = "n1",
            Members = ["n1", "n2"], Started = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Operations = [new CreateDiskGroup { DiskGroup = "dg02", Id = Guid.Parse("33333333-0000-0000-0000-000000000033"), Shared = true, Disks = [Fixtures.Disk("d3", 3)] },
                          new RemoveDiskGroup { DiskGroup = "dg01", Force = true }],
        },
        State = state, Generation = 7, FailedNodes = state == TransactionState.Aborted ? ["n2"] : [],
        ErrorId = state == TransactionState.Aborted ? ErrorIds.AgentWentAway : null,
        Updated = new DateTimeOffset(2025, 1, 2, 3, 4, 6, TimeSpan.Zero), FreezeMilliseconds = 12.5, Decided = state == TransactionState.Committed,
    };

    /// <summary>An instance with every settable property given a non-default value, so a lost property shows.</summary>
    private static object Populate(Type type)
    {
        var instance = Activator.CreateInstance(type)!;
        foreach (var property in Writable(type))
            property.SetValue(instance, Sample(property.PropertyType, property.Name));
        return instance;
    }

    private static IEnumerable<PropertyInfo> Writable(Type type) => type.GetProperties().Where(p => p.SetMethod?.IsPublic == true);

    private static object? Sample(Type type, string name) => type switch
    {
        _ when type == typeof(string) => (object)(name + "-value"),
        _ when type == typeof(long) || type == typeof(long?) => 41L,
        _ when type == typeof(int) || type == typeof(int?) => 7,
        _ when type == typeof(double) => 1.5,
        _ when type == typeof(bool) || type == typeof(bool?) => true,
        _ when type == typeof(Guid) || type == typeof(Guid?) => Guid.Parse("44444444-0000-0000-0000-000000000044"),
        _ when type == typeof(DateTimeOffset) => new DateTimeOffset(2025, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)),
        _ when type.IsEnum => Enum.GetValues(type).GetValue(Enum.GetValues(type).Length - 1),
        _ when type == typeof(Transaction) => Record(TransactionState.Prepared).Transaction,
        _ when type == typeof(List<string>) => new List<string> { "n1", "n2" },
        _ when type == typeof(List<MemberInfo>) => new List<MemberInfo> { new() { Name = "n1", State = MemberState.Joining, Address = "a:1" } },
        _ when type == typeof(DiskGroup) => Fixtures.MirroredGroup("dg01", shared: true),
        _ when type == typeof(List<DiskGroup>) => new List<DiskGroup> { Fixtures.MirroredGroup("dg01", shared: true) },
        _ when type == typeof(List<DiskRef>) => new List<DiskRef> { Fixtures.Disk("d1", 1) },
        _ when type == typeof(List<DiskInfo>) => new List<DiskInfo> { Fixtures.Visible(Fixtures.Disk("d1", 1), "dg01", "n1") },
        _ when type == typeof(List<TransactionRecord>) => new List<TransactionRecord> { Record(TransactionState.Committed) },
        _ when type == typeof(List<NodeFailure>) => new List<NodeFailure> { NodeFailure.Of("n2", ErrorIds.NodeLeft, "node n2 left") },
        _ when type == typeof(List<Operation>) => Record(TransactionState.Proposed).Transaction.Operations,
        _ when type == typeof(byte[]) => new byte[] { 1, 2, 3, 250 },
        _ when type == typeof(Cluster.NodeDefinition) => new Cluster.NodeDefinition
        {
            Name = "n5", Interconnect = "10.231.7.5:7600", Endpoint = Cluster.EndpointDefinition.Ssh("10.231.7.5", 22, "root", "/etc/vm/key"),
            Disks = ["/dev/vm/*"], StateDirectory = "/var/lib/volumemanager", Order = 4,
        },
        _ when type == typeof(List<Cluster.NodeDefinition>) => new List<Cluster.NodeDefinition> { new() { Name = "n5", Interconnect = "10.231.7.5:7600" } },
        _ when type == typeof(List<Plex>) => Fixtures.MirroredGroup("dg01", shared: true).Volumes[0].Plexes,
        _ when type == typeof(Plex) => Fixtures.MirroredGroup("dg01", shared: true).Volumes[0].Plexes[0],
        _ when type == typeof(List<Subdisk>) => Fixtures.MirroredGroup("dg01", shared: true).Volumes[0].Plexes[0].Subdisks,
        _ => throw new InvalidOperationException($"The test does not know how to fill a {type.Name} ({name}); add a sample."),
    };

    private static (string Written, object Back, string Rewritten) RoundTrip<TBase>(TBase value) where TBase : class
    {
        var bytes = WireJson.Serialize(value);
        var back = WireJson.Deserialize<TBase>(bytes);
        return (Encoding.UTF8.GetString(bytes), back, WireJson.SerializeToString(back));
    }
}
