using System.Text.Json.Serialization;

namespace StarChat.Evaluation.Running;

/// <summary>A completion to test: human-eval's sample-file row <c>{"task_id", "completion"}</c>.</summary>
/// <param name="TaskId">Problem id.</param>
/// <param name="Completion">Text that follows the task's prompt.</param>
public sealed record SampleInput(
    [property: JsonPropertyName("task_id")] string TaskId,
    [property: JsonPropertyName("completion")] string Completion);

/// <summary>One tested sample: a line of <c>results.jsonl</c> (human-eval's <c>_results.jsonl</c> fields plus ours).</summary>
public sealed record SampleResult
{
    /// <summary>Problem id.</summary>
    [JsonPropertyName("task_id")] public required string TaskId { get; init; }

    /// <summary>Index of the sample among the problem's samples (human-eval's <c>completion_id</c>).</summary>
    [JsonPropertyName("sample")] public required int Sample { get; init; }

    /// <summary>The completion tested.</summary>
    [JsonPropertyName("completion")] public required string Completion { get; init; }

    /// <summary><c>passed</c>, <c>timed out</c> or <c>failed: …</c>.</summary>
    [JsonPropertyName("result")] public required string Result { get; init; }

    /// <summary>True when the tests passed.</summary>
    [JsonPropertyName("passed")] public required bool Passed { get; init; }

    /// <summary>Wall-clock milliseconds of the run.</summary>
    [JsonPropertyName("elapsed_ms")] public double ElapsedMs { get; init; }
}
