using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using StarChat.Cli.Commands;
using StarChat.Cli.Commands.Info;

namespace StarChat.Cli;

/// <summary>JSON for terminals and scripts: readable (non-ASCII and &lt; &gt; kept as they are), one line unless asked.</summary>
internal static class CliJson
{
    public static JsonSerializerOptions Compact { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = CliJsonContext.Default };

    public static JsonSerializerOptions Indented { get; } = new(Compact) { WriteIndented = true };

    public static string Serialize<T>(T value, bool indented = false)
        => JsonSerializer.Serialize(value, (JsonTypeInfo<T>)(indented ? Indented : Compact).GetTypeInfo(typeof(T)));
}

/// <summary>
/// Compile-time JSON metadata for what the CLI prints. The CLI ships as a native AOT binary, which has no
/// reflection-based serializer; the JIT build turns that serializer off too, so tests catch a type left out.
/// </summary>
[JsonSerializable(typeof(TokenIds))]
[JsonSerializable(typeof(TokenPieces))]
[JsonSerializable(typeof(ModelReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
