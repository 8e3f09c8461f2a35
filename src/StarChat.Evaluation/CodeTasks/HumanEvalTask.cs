namespace StarChat.Evaluation.CodeTasks;

/// <summary>
/// HumanEval (openai/human-eval) as bigcode-evaluation-harness runs it: the stripped prompt, its stop words, and the
/// program <c>prompt + completion + "\n" + test + "\n" + "check(entry_point)"</c> with a 3 s limit.
/// </summary>
public sealed class HumanEvalTask : CodeTask
{
    /// <summary>Stop words of the harness's <c>humaneval</c> task (2024 list, with <c>\n```</c> and <c>&lt;file_sep&gt;</c>).</summary>
    public static IReadOnlyList<string> HarnessStopWords { get; } = ["\nclass", "\ndef", "\n#", "\n@", "\nprint", "\nif", "\n```", "<file_sep>"];

    /// <inheritdoc/>
    public override string Name => "humaneval";

    /// <inheritdoc/>
    public override ProgramLanguage Language => ProgramLanguage.Python;

    /// <inheritdoc/>
    public override TimeSpan HarnessTimeout => TimeSpan.FromSeconds(3);

    /// <inheritdoc/>
    public override bool StripsPromptByDefault => true;

    /// <inheritdoc/>
    public override IReadOnlyList<string> StopWords(CodeProblem problem) => HarnessStopWords;

    /// <inheritdoc/>
    public override string BuildProgram(CodeProblem problem, string completion)
        => PromptFor(problem) + completion + "\n" + problem.Test + "\n" + $"check({problem.EntryPoint})";

    /// <summary>Reads HumanEval rows: <c>task_id, prompt, canonical_solution, test, entry_point</c> (.jsonl or .jsonl.gz).</summary>
    public override IReadOnlyList<CodeProblem> LoadProblems(string path)
        => [.. ProblemFile.ReadObjects(path).Select(r => new CodeProblem
        {
            TaskId = ProblemFile.RequireString(r.Row, "task_id", path, r.Line),
            Prompt = ProblemFile.RequireString(r.Row, "prompt", path, r.Line),
            Test = ProblemFile.RequireString(r.Row, "test", path, r.Line),
            EntryPoint = ProblemFile.RequireString(r.Row, "entry_point", path, r.Line),
            CanonicalSolution = ProblemFile.OptionalString(r.Row, "canonical_solution"),
        })];
}
