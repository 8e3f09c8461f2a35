namespace StarChat.Evaluation.LmEval.Running;

/// <summary>A whole run: its settings and every task's result, with group averages (MMLU) computed on demand.</summary>
public sealed record RunSummary
{
    /// <summary>What was scored (model path or endpoint URL).</summary>
    public required string Model { get; init; }

    /// <summary><c>--num-fewshot</c> as given (null: per-task defaults).</summary>
    public int? NumFewShot { get; init; }

    /// <summary><c>--limit</c> as given.</summary>
    public int? Limit { get; init; }

    /// <summary>Documents scored at once.</summary>
    public int Batch { get; init; }

    /// <summary>The harness's <c>max_length</c>.</summary>
    public int MaxLength { get; init; }

    /// <summary>The tasks, in the order they ran.</summary>
    public required IReadOnlyList<TaskResult> Tasks { get; init; }

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>
    /// Group rows (<c>mmlu</c>): each metric is the unweighted mean of the member tasks' means (the leaderboard's MMLU
    /// number), its stderr √(Σ stderr²)/n, treating subjects as independent.
    /// </summary>
    public IReadOnlyList<GroupResult> Groups
        => [.. Tasks.Where(t => t.Group is not null).GroupBy(t => t.Group!).Select(g =>
        {
            var members = g.ToList();
            var metrics = members[0].Metrics.Select(m => m.Name).Select(name =>
            {
                var values = members.Select(t => t.Metrics.First(x => x.Name == name)).ToList();
                double mean = values.Average(v => v.Value);
                double stderr = Math.Sqrt(values.Sum(v => double.IsNaN(v.Stderr) ? 0 : v.Stderr * v.Stderr)) / values.Count;
                return new MetricValue(name, mean, stderr);
            }).ToList();
            return new GroupResult(g.Key, members.Count, members.Sum(t => t.Documents.Count), members[0].FewShot, members[0].LeaderboardMetric, metrics);
        })];
}

/// <summary>An average over a group of tasks.</summary>
/// <param name="Name">Group name.</param>
/// <param name="TaskCount">Member tasks.</param>
/// <param name="DocumentCount">Documents over all members.</param>
/// <param name="FewShot">Shots of the first member.</param>
/// <param name="LeaderboardMetric">The metric the leaderboard shows.</param>
/// <param name="Metrics">Unweighted means over members.</param>
public sealed record GroupResult(string Name, int TaskCount, int DocumentCount, int FewShot, string LeaderboardMetric, IReadOnlyList<MetricValue> Metrics);
