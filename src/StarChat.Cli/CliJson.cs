using System.Text.Encodings.Web;
using System.Text.Json;

namespace StarChat.Cli;

/// <summary>JSON for terminals and scripts: readable (non-ASCII and &lt; &gt; kept as they are), one line unless asked.</summary>
internal static class CliJson
{
    public static JsonSerializerOptions Compact { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonSerializerOptions Indented { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    public static string Serialize<T>(T value, bool indented = false) => JsonSerializer.Serialize(value, indented ? Indented : Compact);
}
