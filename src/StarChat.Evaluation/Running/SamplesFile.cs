using System.Text.Json;
using StarChat.Evaluation.CodeTasks;

namespace StarChat.Evaluation.Running;

/// <summary>Reads human-eval sample files: JSON lines of <c>{"task_id", "completion"}</c> (other fields ignored).</summary>
public static class SamplesFile
{
    /// <summary>The samples in file order.</summary>
    /// <exception cref="InvalidDataException">A line lacks <c>task_id</c> or <c>completion</c>; the message names it.</exception>
    public static IReadOnlyList<SampleInput> Read(string path)
        => [.. ProblemFile.ReadObjects(path).Select(r => new SampleInput(
            ProblemFile.RequireId(r.Row, "task_id", path, r.Line),
            r.Row.TryGetProperty("completion", out var c) && c.ValueKind == JsonValueKind.String
                ? c.GetString()!
                : throw new InvalidDataException($"{path}: line {r.Line}: field \"completion\" is missing or not a string")))];
}
