using StarChat.Evaluation.CodeTasks;

namespace StarChat.Evaluation.Judging;

/// <summary>A FastChat judge prompt (<c>judge_prompts.jsonl</c>): system text and a template with <c>{placeholders}</c>.</summary>
/// <param name="Name">e.g. <c>pair-v2</c>, <c>single-math-v1-multi-turn</c>.</param>
/// <param name="Type"><c>pairwise</c> or <c>single</c>.</param>
/// <param name="SystemPrompt">System message.</param>
/// <param name="Template">User message template.</param>
/// <param name="OutputFormat"><c>[[A]]</c> or <c>[[rating]]</c>.</param>
public sealed record JudgePrompt(string Name, string Type, string SystemPrompt, string Template, string OutputFormat)
{
    /// <summary>The template with each <c>{key}</c> replaced (keys absent from the template are ignored).</summary>
    public string Fill(IReadOnlyDictionary<string, string> values)
    {
        string text = Template;
        foreach (var (key, value) in values)
            text = text.Replace("{" + key + "}", value, StringComparison.Ordinal);
        return text;
    }

    /// <summary>Reads FastChat's judge prompt file, by name.</summary>
    /// <exception cref="InvalidDataException">A row lacks a field.</exception>
    public static IReadOnlyDictionary<string, JudgePrompt> Load(string path)
        => ProblemFile.ReadObjects(path).Select(r => new JudgePrompt(
            ProblemFile.RequireString(r.Row, "name", path, r.Line),
            ProblemFile.RequireString(r.Row, "type", path, r.Line),
            ProblemFile.RequireString(r.Row, "system_prompt", path, r.Line),
            ProblemFile.RequireString(r.Row, "prompt_template", path, r.Line),
            ProblemFile.RequireString(r.Row, "output_format", path, r.Line))).ToDictionary(p => p.Name);

    /// <summary>
    /// Reads the 2023 Vicuna reviewer prompts (<c>eval_table_2023/prompt.jsonl</c>, the base of the StarChat blog's
    /// judge): by category (<c>general</c>, <c>coding</c>, <c>math</c>, from each row's description), with the rubric
    /// already put in the template's <c>{prompt}</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, JudgePrompt> LoadVicunaReviewers(string path)
    {
        var prompts = new Dictionary<string, JudgePrompt>();
        foreach (var (line, row) in ProblemFile.ReadObjects(path))
        {
            string template = ProblemFile.RequireString(row, "prompt_template", path, line);
            string rubric = row.TryGetProperty("defaults", out var d) ? ProblemFile.RequireString(d, "prompt", path, line) : "";
            string description = ProblemFile.OptionalString(row, "description") ?? "";
            string category = description.Contains("coding", StringComparison.OrdinalIgnoreCase) ? "coding"
                : description.Contains("math", StringComparison.OrdinalIgnoreCase) ? "math" : "general";
            prompts[category] = new JudgePrompt($"vicuna-{category}", "scores", ProblemFile.RequireString(row, "system_prompt", path, line),
                template.Replace("{prompt}", rubric, StringComparison.Ordinal), "two scores");
        }
        return prompts;
    }
}
