using StarChat.Evaluation.LmEval.Scoring;

namespace StarChat.Evaluation.LmEval.Running;

/// <summary>Everything about one scored document: what was asked, what the model said, the metrics (one JSONL line).</summary>
public sealed record DocumentRecord
{
    /// <summary>Harness task name.</summary>
    public required string Task { get; init; }

    /// <summary>Row in the scored file (file order).</summary>
    public required int DocId { get; init; }

    /// <summary>Position in the harness's seeded shuffle (decides the few-shot examples).</summary>
    public required int ShuffledPosition { get; init; }

    /// <summary>Few-shot pool rows, in prompt order.</summary>
    public required IReadOnlyList<int> FewShotIndices { get; init; }

    /// <summary>The prompt.</summary>
    public required string Context { get; init; }

    /// <summary>The log-likelihood requests with their results (empty for generation).</summary>
    public required IReadOnlyList<RequestRecord> Requests { get; init; }

    /// <summary>The generation, for a generation task.</summary>
    public GenerationRecord? Generation { get; init; }

    /// <summary>Metric values of this document.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>Gold answer, predictions and other task-specific fields.</summary>
    public required IReadOnlyDictionary<string, object?> Predictions { get; init; }

    /// <summary>True when a request or the prompt was cut on the left to fit <c>max_length</c>.</summary>
    public bool Truncated => Requests.Any(r => r.Result.TruncatedTokens > 0) || Generation?.Output.PromptTruncatedTokens > 0;
}

/// <summary>One request as sent and its result.</summary>
/// <param name="Context">Context string as the task built it (before the whitespace hand-over).</param>
/// <param name="Continuation">Continuation string.</param>
/// <param name="ContinuationIds">Continuation tokens after the harness's rule.</param>
/// <param name="Result">Log-likelihood, greedy flag, per-token log-probabilities, truncation.</param>
public sealed record RequestRecord(string Context, string Continuation, IReadOnlyList<int> ContinuationIds, LoglikelihoodResult Result);

/// <summary>A generation as run.</summary>
/// <param name="PromptTokens">Prompt length in tokens before truncation.</param>
/// <param name="Output">What came back.</param>
public sealed record GenerationRecord(int PromptTokens, GenerationOutput Output);
