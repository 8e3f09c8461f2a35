using System.Text.Encodings.Web;
using System.Text.Json;

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
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
