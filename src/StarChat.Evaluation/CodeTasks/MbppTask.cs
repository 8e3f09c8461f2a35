using System.Text.Json;

namespace StarChat.Evaluation.CodeTasks;

/// <summary>
/// MBPP as bigcode-evaluation-harness runs it (InCoder-style prompt: the description and the first test inside a
/// docstring), on the full data set's test split (task ids 11–510) or on the hand-verified sanitized set. The
/// program is <c>prompt + completion + "\n" + tests</c>; the limit is the harness's 3 s.
/// </summary>
public sealed class MbppTask : CodeTask
{
    /// <summary>Stop words of the harness's <c>mbpp</c> task.</summary>
    public static IReadOnlyList<string> HarnessStopWords { get; } = ["\nclass", "\nassert", "\n\"\"\"", "\nprint", "\nif", "\n<|/", "\n```"];

    /// <inheritdoc/>
    public override string Name => "mbpp";

    /// <inheritdoc/>
    public override ProgramLanguage Language => ProgramLanguage.Python;

    /// <inheritdoc/>
    public override TimeSpan HarnessTimeout => TimeSpan.FromSeconds(3);

    /// <inheritdoc/>
    public override bool StripsPromptByDefault => false;

    /// <inheritdoc/>
    public override IReadOnlyList<string> StopWords(CodeProblem problem) => HarnessStopWords;

    /// <inheritdoc/>
    public override string BuildProgram(CodeProblem problem, string completion) => PromptFor(problem) + completion + "\n" + problem.Test;

    /// <summary>The harness's prompt: <c>"""\n{description}\n{first test}\n"""\n</c>.</summary>
    public static string BuildPrompt(string description, string firstTest) => $"\"\"\"\n{description}\n{firstTest}\n\"\"\"\n";

    /// <summary>
    /// Reads either the full MBPP JSON lines (<c>text, code, test_list</c>; only the test split 11–510 is kept, as the
    /// harness does) or the sanitized JSON array (<c>prompt, code, test_imports, test_list</c>; every problem kept).
    /// </summary>
    public override IReadOnlyList<CodeProblem> LoadProblems(string path)
    {
        var problems = new List<CodeProblem>();
        foreach (var (line, row) in ProblemFile.ReadObjects(path))
        {
            string id = ProblemFile.RequireId(row, "task_id", path, line);
            bool sanitized = row.TryGetProperty("prompt", out _) && !row.TryGetProperty("text", out _);
            if (!sanitized && int.TryParse(id, out int number) && number is < 11 or > 510)
                continue;
            string description = ProblemFile.RequireString(row, sanitized ? "prompt" : "text", path, line);
            var tests = ProblemFile.RequireStrings(row, "test_list", path, line);
            if (tests.Count == 0) throw new InvalidDataException($"{path}: line {line}: \"test_list\" is empty");
            IReadOnlyList<string> imports = sanitized && row.TryGetProperty("test_imports", out var ti) && ti.ValueKind == JsonValueKind.Array
                ? ProblemFile.RequireStrings(row, "test_imports", path, line)
                : [];
            problems.Add(new CodeProblem
            {
                TaskId = $"Mbpp/{id}",
                Prompt = BuildPrompt(description, tests[0]),
                Test = string.Join("\n", [.. imports, .. tests]),
                CanonicalSolution = ProblemFile.OptionalString(row, "code"),
            });
        }
        return problems;
    }
}
