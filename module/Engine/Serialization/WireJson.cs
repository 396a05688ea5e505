using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace VolumeManager.Engine.Serialization;

/// <summary>
/// The one JSON form of every control-socket request and response, interconnect message and
/// journal record: camelCase properties, enums by name, nulls and computed (get-only) properties left out.
/// </summary>
public static class WireJson
{
    private static readonly ConcurrentDictionary<Type, Type> WireTypes = new();

    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, WireType(typeof(T)), Options);

    public static string SerializeToString<T>(T value) => JsonSerializer.Serialize(value, WireType(typeof(T)), Options);

    /// <exception cref="JsonException">The bytes are not a <typeparamref name="T"/> in wire form.</exception>
    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json)
    {
        try { return JsonSerializer.Deserialize<T>(utf8Json, Options) ?? throw Null<T>(); }
        catch (NotSupportedException e) { throw Unsupported<T>(e); }
    }

    /// <exception cref="JsonException">The text is not a <typeparamref name="T"/> in wire form.</exception>
    public static T Deserialize<T>(string json)
    {
        try { return JsonSerializer.Deserialize<T>(json, Options) ?? throw Null<T>(); }
        catch (NotSupportedException e) { throw Unsupported<T>(e); }
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // Hand-written or reordered JSON (e.g. from a PowerShell script) may put the discriminator anywhere.
            AllowOutOfOrderMetadataProperties = true,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LeaveOutComputedProperties } },
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>
    /// Get-only properties (Transaction.DiskGroups, ClusterView.ActiveMembers, ...) are computed from
    /// the others. IgnoreReadOnlyProperties still writes get-only collections, so they are dropped here.
    /// </summary>
    private static void LeaveOutComputedProperties(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object) return;
        foreach (var property in type.Properties.Where(p => p.Set is null))
            property.ShouldSerialize = static (_, _) => false;
    }

    /// <summary>
    /// A derived message serialised as itself would lose its type discriminator, so it is written
    /// as its nearest [JsonPolymorphic] base type: Serialize(new Prepare()) reads back as a Message.
    /// </summary>
    private static Type WireType(Type type) => WireTypes.GetOrAdd(type, static t =>
    {
        for (var candidate = t; candidate is not null; candidate = candidate.BaseType)
            if (candidate.GetCustomAttribute<JsonPolymorphicAttribute>(inherit: false) is not null) return candidate;
        return t;
    });

    /// <summary>A polymorphic value without its discriminator comes back as "abstract type not supported"; to callers it is bad input like any other.</summary>
    private static JsonException Unsupported<T>(NotSupportedException e) =>
        new($"The JSON text is not a {typeof(T).Name} this version understands: {e.Message}", e);

    private static JsonException Null<T>() => new($"The JSON text holds null where a {typeof(T).Name} was expected.");
}
