using System.Text.Json;

namespace StarChat.Formats.HuggingFace;

/// <summary>Reads the small JSON files of a Hugging Face folder, turning every failure into a <see cref="ModelFormatException"/>.</summary>
internal static class JsonFiles
{
    // config.json, tokenizer_config.json and shard indexes are kilobytes; tokenizer.json a few megabytes.
    private const long MaxJsonBytes = 256L << 20;

    public static JsonDocument Parse(string path) => Parse(path, ReadBounded(path));

    /// <summary>The file's bytes, refusing files too large to be the JSON they claim to be.</summary>
    public static byte[] ReadBounded(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxJsonBytes)
            throw new ModelFormatException(path, "file", $"{info.Length} bytes is too large for a JSON file");
        return File.ReadAllBytes(path);
    }

    public static JsonDocument Parse(string origin, ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = true });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                throw new ModelFormatException(origin, "JSON", "the top level is not an object");
            }
            return doc;
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(origin, "JSON", $"invalid JSON ({e.Message})", null, e);
        }
    }

    /// <summary>A string, or the <c>content</c> of an AddedToken object, or null.</summary>
    public static string? TokenText(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Object when e.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
        _ => null,
    };
}
