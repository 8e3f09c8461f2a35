using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Generation.Tests.Conversion;

/// <summary><c>expected.json</c> → <c>files</c>: sha256 and per-tensor types of every file llama.cpp's tools made, shipped or not.</summary>
internal static class FixtureFiles
{
    private static readonly Lazy<JsonDocument> s_doc = new(() => JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("expected.json"))));

    private static JsonElement Entry(string fileName)
    {
        foreach (var f in s_doc.Value.RootElement.GetProperty("files").EnumerateObject())
            if (f.Name == fileName || f.Name.EndsWith("/" + fileName, StringComparison.Ordinal))
                return f.Value;
        throw new KeyNotFoundException($"expected.json has no file {fileName}");
    }

    public static string Sha256(string fileName) => Entry(fileName).GetProperty("sha256").GetString()!;

    public static Dictionary<string, string> TensorTypes(string fileName)
        => Entry(fileName).GetProperty("tensor_types").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
}
