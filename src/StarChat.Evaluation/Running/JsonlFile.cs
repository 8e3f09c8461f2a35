using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace StarChat.Evaluation.Running;

/// <summary>
/// JSON-lines files written one record at a time and flushed, so an interrupted run loses at most the line being
/// written; reading skips such a torn last line. Appends are serialised (thread-safe).
/// </summary>
public sealed class JsonlFile(string path)
{
    /// <summary>Serializer settings for every JSONL and JSON file the evaluation writes (readable non-ASCII).</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = EvaluationJsonContext.Default,
    };

    /// <summary>As <see cref="Options"/>, indented (summary.json, run.json).</summary>
    public static JsonSerializerOptions Indented { get; } = new(Options) { WriteIndented = true };

    private readonly Lock _lock = new();

    /// <summary>The file.</summary>
    public string Path { get; } = path;

    /// <summary>Appends one record as a line and flushes it to disk.</summary>
    public void Append<T>(T record)
    {
        string line = JsonSerializer.Serialize(record, TypeInfo<T>(Options)) + "\n";
        lock (_lock)
        {
            using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            stream.Write(Encoding.UTF8.GetBytes(line));
            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>
    /// Reads all records. A last line without its newline (a write cut short) is ignored; any other bad line is an error.
    /// </summary>
    /// <exception cref="InvalidDataException">A complete line is not a valid record; the message names the line.</exception>
    public IReadOnlyList<T> ReadAll<T>()
    {
        if (!File.Exists(Path)) return [];
        string text = File.ReadAllText(Path);
        var lines = text.Split('\n');
        var records = new List<T>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            bool last = i == lines.Length - 1;
            try
            {
                records.Add(JsonSerializer.Deserialize(lines[i], TypeInfo<T>(Options)) ?? throw new JsonException("null record"));
            }
            catch (JsonException e) when (!last)
            {
                throw new InvalidDataException($"{Path}: line {i + 1} is not a valid record ({e.Message})", e);
            }
            catch (JsonException)
            {
                // Torn final line from an interrupted run: its sample is simply redone.
            }
        }
        return records;
    }

    /// <summary>
    /// The compile-time metadata of <typeparamref name="T"/> under <paramref name="options"/> (no reflection, so that a
    /// native AOT build works); a type missing from <see cref="EvaluationJsonContext"/> fails here, in every build.
    /// </summary>
    public static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    /// <summary>Rewrites the file without a torn last line, so later appends start on a fresh line.</summary>
    public void DropTornTail()
    {
        if (!File.Exists(Path)) return;
        string text = File.ReadAllText(Path);
        if (text.Length == 0 || text[^1] == '\n') return;
        int cut = text.LastIndexOf('\n') + 1;
        File.WriteAllText(Path, text[..cut]);
    }
}
