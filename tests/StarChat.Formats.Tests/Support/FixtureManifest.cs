using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Formats.Tests.Support;

/// <summary>Reads fixtures/expected.json (per-file tensor types, kv, sizes) written by the fixture generators, not by us.</summary>
internal static class FixtureManifest
{
    private static readonly Lazy<JsonDocument> s_expected = new(() => JsonDocument.Parse(System.IO.File.ReadAllBytes(SharedPaths.Fixtures("expected.json"))));

    public static JsonElement Files => s_expected.Value.RootElement.GetProperty("files");

    /// <summary>Relative paths (under fixtures/) of the shipped files of one format ("gguf" or "ggml-legacy").</summary>
    public static IEnumerable<string> ShippedFiles(string format)
    {
        foreach (var f in Files.EnumerateObject())
        {
            if (f.Value.GetProperty("format").GetString() == format && f.Value.GetProperty("path").ValueKind == JsonValueKind.String)
                yield return f.Value.GetProperty("path").GetString()!;
        }
    }

    public static JsonElement File(string relativePath) => Files.GetProperty(relativePath);

    public static Dictionary<string, string> TensorTypes(string relativePath)
        => File(relativePath).GetProperty("tensor_types").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    public static TheoryData<string> Gguf() => [.. ShippedFiles("gguf")];

    public static TheoryData<string> Ggml() => [.. ShippedFiles("ggml-legacy")];
}
