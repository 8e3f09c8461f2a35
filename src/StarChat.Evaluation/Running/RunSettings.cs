using System.Text.Json;
using System.Text.Json.Serialization;

namespace StarChat.Evaluation.Running;

/// <summary>
/// The settings that make a run's results comparable (run.json in the output folder). A rerun into the same folder
/// resumes only when they match, so results made with other settings are never mixed in.
/// </summary>
public sealed record RunSettings
{
    /// <summary>Task.</summary>
    [JsonPropertyName("task")] public required string Task { get; init; }

    /// <summary>Problem file.</summary>
    [JsonPropertyName("problems")] public required string Problems { get; init; }

    /// <summary>Completion source (samples file or backend).</summary>
    [JsonPropertyName("source")] public required string Source { get; init; }

    /// <summary>Whether prompts are stripped.</summary>
    [JsonPropertyName("strip_prompt")] public bool StripPrompt { get; init; }

    /// <summary>Time limit per program, seconds.</summary>
    [JsonPropertyName("timeout_s")] public double TimeoutSeconds { get; init; }

    /// <summary>Samples per problem (generation).</summary>
    [JsonPropertyName("n")] public int N { get; init; }

    /// <summary>Temperature (generation).</summary>
    [JsonPropertyName("temperature")] public double Temperature { get; init; }

    /// <summary>Top-p (generation).</summary>
    [JsonPropertyName("top_p")] public double TopP { get; init; }

    /// <summary>Max new tokens (generation).</summary>
    [JsonPropertyName("max_new_tokens")] public int MaxNewTokens { get; init; }

    /// <summary>Seed (generation).</summary>
    [JsonPropertyName("seed")] public int? Seed { get; init; }

    /// <summary>Writes the settings, or checks them against those already in <paramref name="folder"/>.</summary>
    /// <exception cref="OutputFolderConflictException">The folder holds a run made with other settings.</exception>
    public void WriteOrCheck(string folder)
    {
        string path = Path.Combine(folder, "run.json");
        if (File.Exists(path))
        {
            var existing = JsonSerializer.Deserialize(File.ReadAllText(path), JsonlFile.TypeInfo<RunSettings>(JsonlFile.Options));
            if (existing is not null && existing != this)
                throw new OutputFolderConflictException(
                    $"{folder} holds a run with other settings ({Describe(existing)}; now {Describe(this)}): pass another --out, or delete the folder to start over");
            return;
        }
        File.WriteAllText(path, JsonSerializer.Serialize(this, JsonlFile.TypeInfo<RunSettings>(JsonlFile.Indented)));
    }

    private static string Describe(RunSettings s)
        => $"task {s.Task}, problems {s.Problems}, source {s.Source}, strip {s.StripPrompt}, timeout {s.TimeoutSeconds} s, n {s.N}, T {s.Temperature}, top-p {s.TopP}, max {s.MaxNewTokens}, seed {s.Seed?.ToString() ?? "none"}";
}
