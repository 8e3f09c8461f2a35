namespace StarChat.Evaluation.CodeTasks;

/// <summary>
/// A functional-correctness benchmark as bigcode-evaluation-harness defines it: how a problem becomes a prompt,
/// where generation stops, how a completion becomes a test program, and how long that program may run.
/// </summary>
public abstract class CodeTask
{
    /// <summary>Command-line name (<c>humaneval</c>, <c>mbpp</c>, <c>multiple-cs</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Language of the test programs.</summary>
    public abstract ProgramLanguage Language { get; }

    /// <summary>Time limit of one test program: <see cref="TimeoutOverride"/>, else the reference harness's <see cref="HarnessTimeout"/>.</summary>
    public TimeSpan Timeout => TimeoutOverride ?? HarnessTimeout;

    /// <summary>The limit the reference harness sets.</summary>
    public abstract TimeSpan HarnessTimeout { get; }

    /// <summary>Another limit (for slow or heavily loaded machines; results then differ from the harness's for slow programs).</summary>
    public TimeSpan? TimeoutOverride { get; init; }

    /// <summary>
    /// Whether the prompt sent to the model has its surrounding whitespace removed (the harness strips HumanEval and
    /// MultiPL-E prompts). Completions are always relative to the prompt as this setting makes it.
    /// </summary>
    public bool StripPrompt { get; init; }

    /// <summary>Whether the task strips prompts when nothing else is asked (the harness's choice).</summary>
    public abstract bool StripsPromptByDefault { get; }

    /// <summary>Reads the task's problems from a file in the data set's own format.</summary>
    /// <exception cref="InvalidDataException">The file is not in the expected format; the message names the line and field.</exception>
    public abstract IReadOnlyList<CodeProblem> LoadProblems(string path);

    /// <summary>Stop sequences for a problem: where the harness cuts the generation.</summary>
    public abstract IReadOnlyList<string> StopWords(CodeProblem problem);

    /// <summary>The text the model continues.</summary>
    public string PromptFor(CodeProblem problem) => StripPrompt ? problem.Prompt.Trim() : problem.Prompt;

    /// <summary>Turns raw generated text (without the prompt) into the completion that is tested.</summary>
    public string Postprocess(CodeProblem problem, string generation) => CodeTasks.StopWords.Truncate(generation, StopWords(problem));

    /// <summary>The program that tests <paramref name="completion"/>: prompt, completion and the problem's tests.</summary>
    public abstract string BuildProgram(CodeProblem problem, string completion);

    /// <summary>
    /// The canonical solution as a completion of <see cref="PromptFor"/>: when the prompt is stripped, the whitespace
    /// removed from its end is put back in front, so the program is the one the data set's authors checked.
    /// </summary>
    public string? CanonicalCompletion(CodeProblem problem)
    {
        if (problem.CanonicalSolution is null) return null;
        if (!StripPrompt) return problem.CanonicalSolution;
        string trimmedEnd = problem.Prompt.TrimEnd();
        return problem.Prompt[trimmedEnd.Length..] + problem.CanonicalSolution;
    }
}
