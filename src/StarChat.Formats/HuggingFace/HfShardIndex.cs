using System.Text.Json;

namespace StarChat.Formats.HuggingFace;

/// <summary>
/// <c>model.safetensors.index.json</c> / <c>pytorch_model.bin.index.json</c> (formats.md §5): which shard holds each
/// tensor. Shard names must be plain file names in the same folder.
/// </summary>
internal sealed record HfShardIndex(IReadOnlyList<string> Shards, IReadOnlyDictionary<string, string> WeightMap, long? TotalSize)
{
    public static HfShardIndex Read(string path)
    {
        using var doc = JsonFiles.Parse(path);
        return Parse(path, doc.RootElement);
    }

    internal static HfShardIndex Parse(string origin, JsonElement root)
    {
        if (!root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(origin, "weight_map", "missing or not an object of tensor name → shard file");
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        var shards = new List<string>();
        foreach (var entry in map.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String || entry.Value.GetString() is not { Length: > 0 } shard)
                throw new ModelFormatException(origin, $"weight_map '{entry.Name}'", "shard must be a non-empty string");
            if (shard.Contains('/', StringComparison.Ordinal) || shard.Contains('\\', StringComparison.Ordinal) || shard.Contains("..", StringComparison.Ordinal))
                throw new ModelFormatException(origin, $"weight_map '{entry.Name}'", $"shard '{shard}' is not a plain file name in the same folder");
            if (entry.Name.Length == 0 || !weightMap.TryAdd(entry.Name, shard))
                throw new ModelFormatException(origin, $"weight_map '{entry.Name}'", "empty or duplicate tensor name");
            if (!shards.Contains(shard))
                shards.Add(shard);
        }
        long? total = null;
        if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty("total_size", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt64(out long size))
            total = size;
        return new HfShardIndex(shards, weightMap, total);
    }
}
