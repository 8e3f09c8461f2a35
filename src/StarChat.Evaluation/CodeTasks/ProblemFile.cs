using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace StarChat.Evaluation.CodeTasks;

/// <summary>Reads problem files: JSON lines (optionally gzip-compressed, as HumanEval ships) or one JSON array.</summary>
public static class ProblemFile
{
    /// <summary>Largest problem file accepted; the real ones are well under 1 MB.</summary>
    public const long MaxBytes = 256L * 1024 * 1024;

    /// <summary>The JSON objects of <paramref name="path"/>, each with its 1-based line (or array index + 1).</summary>
    /// <exception cref="InvalidDataException">A line is not a JSON object, or the file is too large.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IEnumerable<(int Line, JsonElement Row)> ReadObjects(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"problem file not found: {path}", path);
        string text = ReadText(path);
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.Length > 0 && trimmed[0] == '[')
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e); }
            using (doc)
            {
                int i = 0;
                foreach (var e in doc.RootElement.EnumerateArray())
                {
                    i++;
                    if (e.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: item {i} is not a JSON object");
                    yield return (i, e.Clone());
                }
            }
            yield break;
        }
        int line = 0;
        foreach (var raw in text.Split('\n'))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            JsonElement row;
            try
            {
                using var doc = JsonDocument.Parse(raw);
                row = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {line} is not valid JSON ({e.Message})", e);
            }
            if (row.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: line {line} is not a JSON object");
            yield return (line, row);
        }
    }

    /// <summary>A required string field.</summary>
    /// <exception cref="InvalidDataException">The field is missing or not a string.</exception>
    public static string RequireString(JsonElement row, string field, string path, int line)
        => row.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new InvalidDataException($"{path}: line {line}: field \"{field}\" is missing or not a string");

    /// <summary>An optional string field.</summary>
    public static string? OptionalString(JsonElement row, string field)
        => row.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A field that is a string or an integer, as text (MBPP task ids are numbers).</summary>
    /// <exception cref="InvalidDataException">The field is missing or of another type.</exception>
    public static string RequireId(JsonElement row, string field, string path, int line)
        => row.TryGetProperty(field, out var v) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? (v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText())
            : throw new InvalidDataException($"{path}: line {line}: field \"{field}\" is missing or not a string or number");

    /// <summary>A required array of strings.</summary>
    /// <exception cref="InvalidDataException">The field is missing or holds something other than strings.</exception>
    public static IReadOnlyList<string> RequireStrings(JsonElement row, string field, string path, int line)
    {
        if (!row.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{path}: line {line}: field \"{field}\" is missing or not an array");
        var list = new List<string>();
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String) throw new InvalidDataException($"{path}: line {line}: field \"{field}\" holds a non-string");
            list.Add(e.GetString()!);
        }
        return list;
    }

    private static string ReadText(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxBytes) throw new InvalidDataException($"{path}: {info.Length} bytes is more than the {MaxBytes} a problem file may hold");
        using var file = File.OpenRead(path);
        Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using (stream)
        {
            // Bounded read: a crafted gzip bomb stops at the limit instead of filling memory.
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + n > MaxBytes) throw new InvalidDataException($"{path}: decompresses to more than {MaxBytes} bytes");
                buffer.Write(chunk, 0, n);
            }
            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
    }
}
