using System.Text.RegularExpressions;

namespace StarChat.Evaluation.CodeTasks;

/// <summary>
/// MultiPL-E HumanEval translated to C# (<c>humaneval-cs-reworded</c>, the harness's <c>multiple-cs</c>): the stripped
/// prompt, the data set's stop tokens plus <c>&lt;file_sep&gt;</c>, and the program <c>prompt + completion + "\n" +
/// tests</c> whose <c>Main</c> runs <c>Debug.Assert</c> checks; 5 s as MultiPL-E's <c>eval_cs.py</c>.
/// </summary>
public sealed partial class MultiPleCSharpTask : CodeTask
{
    /// <inheritdoc/>
    public override string Name => "multiple-cs";

    /// <inheritdoc/>
    public override ProgramLanguage Language => ProgramLanguage.CSharp;

    /// <inheritdoc/>
    public override TimeSpan HarnessTimeout => TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    public override bool StripsPromptByDefault => true;

    /// <inheritdoc/>
    public override IReadOnlyList<string> StopWords(CodeProblem problem) => [.. problem.StopTokens, "<file_sep>"];

    /// <inheritdoc/>
    public override string BuildProgram(CodeProblem problem, string completion) => PromptFor(problem) + completion + "\n" + problem.Test;

    /// <summary>
    /// Reads MultiPL-E rows (<c>name, prompt, tests, stop_tokens</c>). Prompts whose method signature was turned into
    /// a comment are repaired (see <see cref="RepairPrompt"/>).
    /// </summary>
    public override IReadOnlyList<CodeProblem> LoadProblems(string path)
        => [.. ProblemFile.ReadObjects(path).Select(r => new CodeProblem
        {
            TaskId = ProblemFile.RequireString(r.Row, "name", path, r.Line),
            Prompt = RepairPrompt(ProblemFile.RequireString(r.Row, "prompt", path, r.Line)),
            Test = ProblemFile.RequireString(r.Row, "tests", path, r.Line),
            StopTokens = ProblemFile.RequireStrings(r.Row, "stop_tokens", path, r.Line),
        })];

    /// <summary>
    /// The prompts stored in MultiPL-E's repository before July 2024 end with the signature commented out
    /// (<c>    //     public static bool F(...) {</c>), which no completion can compile against; the published data set
    /// has <c>    public static bool F(...) {</c>. This puts the signature back and leaves other prompts unchanged.
    /// </summary>
    public static string RepairPrompt(string prompt)
    {
        var m = CommentedSignature().Match(prompt);
        return m.Success ? prompt[..m.Index] + "\n    " + m.Groups["signature"].Value + "\n" : prompt;
    }

    [GeneratedRegex(@"\n    //     (?<signature>public static [^\n]*\{)\n\z")]
    private static partial Regex CommentedSignature();
}
