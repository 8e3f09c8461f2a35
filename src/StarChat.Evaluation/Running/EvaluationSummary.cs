using System.Text.Json.Serialization;

namespace StarChat.Evaluation.Running;

/// <summary>The outcome of a code-task run: pass@k, per-problem counts, outcome kinds and how it ran (summary.json).</summary>
public sealed record EvaluationSummary
{
    /// <summary>Task name.</summary>
    [JsonPropertyName("task")] public required string Task { get; init; }

    /// <summary>Where completions came from (<c>samples:FILE</c>, or the backend's description).</summary>
    [JsonPropertyName("source")] public required string Source { get; init; }

    /// <summary>Whether prompts were stripped (completions are relative to the prompt so made).</summary>
    [JsonPropertyName("strip_prompt")] public bool StripPrompt { get; init; }

    /// <summary>Problems with at least one sample.</summary>
    [JsonPropertyName("problems")] public int Problems { get; init; }

    /// <summary>Samples tested.</summary>
    [JsonPropertyName("samples")] public int Samples { get; init; }

    /// <summary>Samples that passed.</summary>
    [JsonPropertyName("passed")] public int Passed { get; init; }

    /// <summary>pass@k for each requested k that every problem has enough samples for (<c>pass@1</c> → value).</summary>
    [JsonPropertyName("pass_at_k")] public IReadOnlyDictionary<string, double> PassAtK { get; init; } = new Dictionary<string, double>();

    /// <summary>Counts by outcome kind: <c>passed</c>, <c>failed</c>, <c>timed out</c>.</summary>
    [JsonPropertyName("outcomes")] public IReadOnlyDictionary<string, int> Outcomes { get; init; } = new Dictionary<string, int>();

    /// <summary>Per-problem sample and pass counts, in problem order.</summary>
    [JsonPropertyName("per_problem")] public IReadOnlyList<ProblemSummary> PerProblem { get; init; } = [];

    /// <summary>How programs were isolated.</summary>
    [JsonPropertyName("sandbox")] public string Sandbox { get; init; } = "";

    /// <summary>Programs run at once.</summary>
    [JsonPropertyName("workers")] public int Workers { get; init; }

    /// <summary>Programs executed in this invocation (resumed results excluded).</summary>
    [JsonPropertyName("executed_now")] public int ExecutedNow { get; init; }

    /// <summary>Wall-clock seconds of this invocation.</summary>
    [JsonPropertyName("seconds")] public double Seconds { get; init; }

    /// <summary>Programs executed per second in this invocation (generation time included when generating).</summary>
    [JsonPropertyName("programs_per_second")] public double ProgramsPerSecond { get; init; }
}

/// <summary>One problem's counts.</summary>
/// <param name="TaskId">Problem id.</param>
/// <param name="Samples">Samples tested.</param>
/// <param name="Passed">Samples that passed.</param>
public sealed record ProblemSummary(
    [property: JsonPropertyName("task_id")] string TaskId,
    [property: JsonPropertyName("n")] int Samples,
    [property: JsonPropertyName("c")] int Passed)
{
    /// <summary>Fraction of samples that passed (the problem's pass@1 estimate).</summary>
    [JsonPropertyName("pass_rate")] public double PassRate => Samples == 0 ? 0 : (double)Passed / Samples;
}
