namespace StarChat.Evaluation.CodeTasks;

/// <summary>
/// One benchmark problem in the shape every code task shares: the text the model continues, the tests that judge a
/// completion, and (where the data set has one) a reference solution written as a completion of <see cref="Prompt"/>.
/// </summary>
public sealed record CodeProblem
{
    /// <summary>Identifier as the data set spells it (<c>HumanEval/0</c>, <c>Mbpp/11</c>, <c>HumanEval_0_has_close_elements</c>).</summary>
    public required string TaskId { get; init; }

    /// <summary>The prompt as stored in the data set (before any stripping the task applies).</summary>
    public required string Prompt { get; init; }

    /// <summary>Test code appended after the completion.</summary>
    public required string Test { get; init; }

    /// <summary>Function the tests call (HumanEval's <c>entry_point</c>), if the data set names one.</summary>
    public string? EntryPoint { get; init; }

    /// <summary>A known-correct completion of <see cref="Prompt"/> (HumanEval <c>canonical_solution</c>, MBPP <c>code</c>).</summary>
    public string? CanonicalSolution { get; init; }

    /// <summary>Stop sequences the data set itself supplies (MultiPL-E <c>stop_tokens</c>).</summary>
    public IReadOnlyList<string> StopTokens { get; init; } = [];
}
