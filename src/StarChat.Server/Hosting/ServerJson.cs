using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace StarChat.Server.Hosting;

/// <summary>JSON settings for every response: property names come from attributes; non-ASCII text is written as is.</summary>
internal static class ServerJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.General));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        // Responses are application/json or text/event-stream, never HTML: relaxed escaping keeps code readable.
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        // Bound nesting for untrusted bodies (messages are flat; 32 is generous).
        options.MaxDepth = 32;
        options.TypeInfoResolver = ServerJsonContext.Default;
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>());

    /// <summary>The compile-time metadata of <typeparamref name="T"/> under <see cref="Options"/>.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
}
