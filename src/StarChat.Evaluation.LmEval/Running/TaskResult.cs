namespace StarChat.Evaluation.LmEval.Running;

/// <summary>One task's outcome: per-document records and mean metrics with standard errors.</summary>
public sealed record TaskResult
{
    /// <summary>Harness task name.</summary>
    public required string Task { get; init; }

    /// <summary>The task's harness version.</summary>
    public required int Version { get; init; }

    /// <summary>Shots used.</summary>
    public required int FewShot { get; init; }

    /// <summary>Group the task belongs to (<c>mmlu</c>), if any.</summary>
    public string? Group { get; init; }

    /// <summary>The leaderboard's metric for the task.</summary>
    public required string LeaderboardMetric { get; init; }

    /// <summary>Metric → (mean, standard error), in the task's metric order.</summary>
    public required IReadOnlyList<MetricValue> Metrics { get; init; }

    /// <summary>The documents, in file order.</summary>
    public required IReadOnlyList<DocumentRecord> Documents { get; init; }

    /// <summary>Documents with a request (or prompt) cut on the left to fit <c>max_length</c>.</summary>
    public int TruncatedDocuments => Documents.Count(d => d.Truncated);

    /// <summary>Notes on data that differs from the harness's.</summary>
    public IReadOnlyList<string> DataNotes { get; init; } = [];

    /// <summary>Wall time of scoring.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Time spent tokenizing requests (summed over workers).</summary>
    public TimeSpan EncodeTime { get; init; }

    /// <summary>Scored documents per second.</summary>
    public double DocumentsPerSecond => Elapsed.TotalSeconds > 0 ? Documents.Count / Elapsed.TotalSeconds : 0;
}

/// <summary>An aggregated metric.</summary>
/// <param name="Name">Metric name (<c>acc</c>, <c>acc_norm</c>, <c>mc1</c>, <c>mc2</c>).</param>
/// <param name="Value">Mean over documents.</param>
/// <param name="Stderr">Standard error of the mean (the harness's <c>mean_stderr</c>).</param>
public sealed record MetricValue(string Name, double Value, double Stderr);
