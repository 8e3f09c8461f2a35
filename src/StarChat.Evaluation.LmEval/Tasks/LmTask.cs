using StarChat.Evaluation.LmEval.Scoring;

namespace StarChat.Evaluation.LmEval.Tasks;

/// <summary>How a task picks its few-shot examples (LE-PIN <c>fewshot_examples</c>).</summary>
public enum FewShotSource
{
    /// <summary>The task is zero-shot only (TruthfulQA).</summary>
    None,
    /// <summary><c>rnd.sample(training_docs, k)</c> with the task's seeded generator.</summary>
    Sampled,
    /// <summary>The first k rows of a fixed split, in file order (MMLU's dev rows).</summary>
    FirstRows,
}

/// <summary>
/// One harness task: its scored documents (in file order), how a document becomes a prompt and requests, and how the
/// model's answers become metrics. Loading happens in the constructor of each task; building and scoring are pure.
/// </summary>
public abstract class LmTask
{
    /// <summary>The harness's task name (<c>arc_challenge</c>, <c>hendrycksTest-abstract_algebra</c>, …).</summary>
    public abstract string Name { get; }

    /// <summary>The task's <c>VERSION</c> in the pinned harness (reported in <c>versions</c>).</summary>
    public abstract int Version { get; }

    /// <summary>The Open LLM Leaderboard's shot count for the task.</summary>
    public abstract int DefaultFewShot { get; }

    /// <summary>Metric names in report order (each mean-aggregated, with <c>_stderr</c>).</summary>
    public abstract IReadOnlyList<string> MetricNames { get; }

    /// <summary>The metric the leaderboard shows for this task.</summary>
    public abstract string LeaderboardMetric { get; }

    /// <summary>Scored documents, in file order.</summary>
    public abstract int DocumentCount { get; }

    /// <summary>How few-shot examples are chosen.</summary>
    public abstract FewShotSource FewShotSource { get; }

    /// <summary>Rows the few-shot examples are drawn from (0 when the task has none).</summary>
    public abstract int FewShotPoolSize { get; }

    /// <summary>Notes about data that differ from the harness's (shown in the summary); empty when exact.</summary>
    public virtual IReadOnlyList<string> DataNotes => [];

    /// <summary>Builds the prompt and the requests of document <paramref name="docIndex"/>.</summary>
    /// <param name="docIndex">Row in the scored file.</param>
    /// <param name="fewShotIndices">Rows of the few-shot pool, in prompt order.</param>
    public abstract TaskDocument Build(int docIndex, IReadOnlyList<int> fewShotIndices);

    /// <summary>Metrics of one document from the model's answers.</summary>
    public abstract DocumentScore Score(TaskDocument document, IReadOnlyList<LoglikelihoodResult> results, GenerationOutput? generation);

    /// <summary>
    /// The few-shot block: each example rendered as text + target, joined by a blank line, plus one more blank line
    /// (LE-PIN <c>Task.fewshot_context</c>); empty for zero-shot. A description, when given, comes first with "\n\n".
    /// </summary>
    protected static string FewShotContext(string description, IEnumerable<string> examples, string text)
    {
        string head = description.Length > 0 ? description + "\n\n" : "";
        var list = examples.ToList();
        string shots = list.Count > 0 ? string.Join("\n\n", list) + "\n\n" : "";
        return head + shots + text;
    }
}

/// <summary>A document ready to be scored: its prompt and its requests (or generation prompt).</summary>
public sealed record TaskDocument
{
    /// <summary>Row in the scored file (the <c>doc_id</c> in our output).</summary>
    public required int DocIndex { get; init; }

    /// <summary>The few-shot rows used, in prompt order.</summary>
    public required IReadOnlyList<int> FewShotIndices { get; init; }

    /// <summary>The prompt (the context shared by the requests; Winogrande's requests each carry their own).</summary>
    public required string Context { get; init; }

    /// <summary>Log-likelihood requests, in the harness's order (empty for a generation task).</summary>
    public IReadOnlyList<LoglikelihoodRequest> Requests { get; init; } = [];

    /// <summary>The generation's stop strings, for a generation task; null otherwise.</summary>
    public IReadOnlyList<string>? GenerationStops { get; init; }
}

/// <summary>One document's metrics and what the model predicted.</summary>
/// <param name="Metrics">Metric name → value (0/1 for accuracies).</param>
/// <param name="Predictions">Task-specific fields for the per-document output (gold, predicted index, extracted answer…).</param>
public sealed record DocumentScore(IReadOnlyDictionary<string, double> Metrics, IReadOnlyDictionary<string, object?> Predictions);
