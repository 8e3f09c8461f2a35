using System.Text.Json;

namespace StarChat.Evaluation.LmEval.Data;

/// <summary>Reads a JSON Lines file one object per line, with the line number kept for error messages.</summary>
internal static class JsonLines
{
    /// <summary>Each non-blank line parsed as a JSON object, with its 1-based line number.</summary>
    /// <exception cref="DataFileException">The file is missing or a line is not a JSON object.</exception>
    public static IEnumerable<(int Line, JsonElement Value)> Read(string path)
    {
        DataFiles.RequireFile(path);
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            JsonElement value;
            try
            {
                using var doc = JsonDocument.Parse(line);
                value = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new DataFileException(path, lineNo, $"not valid JSON ({e.Message})", e);
            }
            if (value.ValueKind != JsonValueKind.Object)
                throw new DataFileException(path, lineNo, $"expected a JSON object, got {value.ValueKind}");
            yield return (lineNo, value);
        }
    }

    /// <summary>A string field of a JSON object.</summary>
    /// <exception cref="DataFileException">The field is missing or not a string.</exception>
    public static string String(JsonElement value, string field, string path, int line)
        => value.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new DataFileException(path, line, $"field '{field}' is missing or not a string");

    /// <summary>An integer field of a JSON object.</summary>
    /// <exception cref="DataFileException">The field is missing or not an integer.</exception>
    public static int Int(JsonElement value, string field, string path, int line)
        => value.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)
            ? i
            : throw new DataFileException(path, line, $"field '{field}' is missing or not an integer");

    /// <summary>A field holding an array of strings.</summary>
    /// <exception cref="DataFileException">The field is missing, not an array, or holds a non-string.</exception>
    public static string[] Strings(JsonElement value, string field, string path, int line)
    {
        if (!value.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.Array)
            throw new DataFileException(path, line, $"field '{field}' is missing or not an array");
        var result = new string[v.GetArrayLength()];
        int i = 0;
        foreach (var item in v.EnumerateArray())
        {
            result[i++] = item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw new DataFileException(path, line, $"field '{field}' item {i} is not a string");
        }
        return result;
    }
}
