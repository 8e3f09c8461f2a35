using System.Text.Json;

namespace StarChat.Formats.IO;

/// <summary>
/// Optional fields of the JSON files that come with checkpoints (config.json, adapter_config.json,
/// quantize_config.json): absent or null gives null, a value of the wrong kind a <see cref="ModelFormatException"/>
/// naming the file and the field.
/// </summary>
internal static class JsonFields
{
    public static int? Int(string origin, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)
            ? i
            : throw new ModelFormatException(origin, name, $"expected a 32-bit integer, found {v.ValueKind} {Excerpt(v)}");
    }

    public static double? Number(string origin, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new ModelFormatException(origin, name, $"expected a number, found {v.ValueKind}");
    }

    public static bool? Bool(string origin, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ModelFormatException(origin, name, $"expected true or false, found {v.ValueKind}"),
        };
    }

    public static string? String(string origin, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ModelFormatException(origin, name, $"expected a string, found {v.ValueKind}");
    }

    /// <summary>A value's JSON text, cut to 40 characters for messages.</summary>
    public static string Excerpt(JsonElement v)
    {
        string s = v.GetRawText();
        return s.Length > 40 ? s[..40] + "…" : s;
    }
}
