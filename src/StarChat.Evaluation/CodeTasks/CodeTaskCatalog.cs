namespace StarChat.Evaluation.CodeTasks;

/// <summary>The code tasks by command-line name, and where their default problems live in the shared data folder.</summary>
public static class CodeTaskCatalog
{
    /// <summary>Task names, in help order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["humaneval", "mbpp", "multiple-cs"];

    /// <summary>A task; <paramref name="stripPrompt"/> and <paramref name="timeout"/> null keep the harness's choices.</summary>
    /// <exception cref="ArgumentException">The name is unknown.</exception>
    public static CodeTask Create(string name, bool? stripPrompt = null, TimeSpan? timeout = null) => name switch
    {
        "humaneval" => new HumanEvalTask { StripPrompt = stripPrompt ?? true, TimeoutOverride = timeout },
        "mbpp" => new MbppTask { StripPrompt = stripPrompt ?? false, TimeoutOverride = timeout },
        "multiple-cs" => new MultiPleCSharpTask { StripPrompt = stripPrompt ?? true, TimeoutOverride = timeout },
        _ => throw new ArgumentException($"unknown code task \"{name}\"; known: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>The problem file of a task under a data folder (<c>shared/data</c>).</summary>
    public static string DefaultProblemFile(string name, string dataRoot) => name switch
    {
        "humaneval" => Path.Combine(dataRoot, "humaneval", "HumanEval.jsonl.gz"),
        "mbpp" => Path.Combine(dataRoot, "mbpp", "mbpp.jsonl"),
        "multiple-cs" => Path.Combine(dataRoot, "multipl-e", "humaneval-cs-reworded.jsonl"),
        _ => throw new ArgumentException($"unknown code task \"{name}\"; known: {string.Join(", ", Names)}", nameof(name)),
    };
}
