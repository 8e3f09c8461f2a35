namespace StarChat.Cli.Commands;

/// <summary>Names for FastChat's question sets in the shared data folder (<c>mt_bench</c>, <c>vicuna</c>), or a file.</summary>
internal static class EvalQuestionSets
{
    /// <summary>(question file, reference answers file or null).</summary>
    /// <exception cref="ArgumentException">A set name is used but the shared folder is absent.</exception>
    public static (string Questions, string? References) Resolve(string value)
    {
        string? folder = value switch { "mt_bench" => "mt_bench", "vicuna" or "vicuna_bench" => "vicuna_bench", _ => null };
        if (folder is null)
            return (File.Exists(value) ? value : throw new FileNotFoundException($"question file not found: {value}", value), null);
        string root = Shared("fastchat", "llm_judge", folder);
        string references = Path.Combine(root, "reference_answer_gpt-4.jsonl");
        return (Path.Combine(root, "question.jsonl"), File.Exists(references) ? references : null);
    }

    /// <summary>A path in the shared data folder.</summary>
    public static string Shared(params string[] parts)
        => DefaultPaths.Shared is { } shared
            ? Path.Combine([shared, "data", .. parts])
            : throw new ArgumentException($"the shared data folder is not here: pass files explicitly instead of {string.Join('/', parts)}");
}
