namespace StarChat.Evaluation.LmEval.Tasks;

/// <summary>
/// Task names as the CLI accepts them: the harness's names (<c>arc_challenge</c>, <c>hellaswag</c>,
/// <c>truthfulqa_mc</c>, <c>winogrande</c>, <c>gsm8k</c>, <c>hendrycksTest-SUBJECT</c>), <c>mmlu_SUBJECT</c> for a
/// subject and <c>mmlu</c> for all 57, each optionally followed by <c>:N</c> for its shot count.
/// </summary>
public static class TaskRegistry
{
    /// <summary>The 57 MMLU subjects (LE-PIN <c>hendrycks_test.SUBJECTS</c>).</summary>
    public static IReadOnlyList<string> MmluSubjects { get; } =
    [
        "abstract_algebra", "anatomy", "astronomy", "business_ethics", "clinical_knowledge", "college_biology",
        "college_chemistry", "college_computer_science", "college_mathematics", "college_medicine", "college_physics",
        "computer_security", "conceptual_physics", "econometrics", "electrical_engineering", "elementary_mathematics",
        "formal_logic", "global_facts", "high_school_biology", "high_school_chemistry", "high_school_computer_science",
        "high_school_european_history", "high_school_geography", "high_school_government_and_politics",
        "high_school_macroeconomics", "high_school_mathematics", "high_school_microeconomics", "high_school_physics",
        "high_school_psychology", "high_school_statistics", "high_school_us_history", "high_school_world_history",
        "human_aging", "human_sexuality", "international_law", "jurisprudence", "logical_fallacies", "machine_learning",
        "management", "marketing", "medical_genetics", "miscellaneous", "moral_disputes", "moral_scenarios", "nutrition",
        "philosophy", "prehistory", "professional_accounting", "professional_law", "professional_medicine",
        "professional_psychology", "public_relations", "security_studies", "sociology", "us_foreign_policy", "virology",
        "world_religions",
    ];

    /// <summary>The Open LLM Leaderboard v1 set, in its column order (DROP is not included: no data).</summary>
    public static IReadOnlyList<string> Leaderboard { get; } = ["arc_challenge", "hellaswag", "mmlu", "truthfulqa_mc", "winogrande", "gsm8k"];

    private static readonly string[] s_single = ["arc_challenge", "hellaswag", "truthfulqa_mc", "winogrande", "gsm8k"];

    /// <summary>Every accepted name (without subject expansion), for help and error messages.</summary>
    public static string ValidNames
        => string.Join(", ", s_single) + ", mmlu, mmlu_SUBJECT or hendrycksTest-SUBJECT (SUBJECT one of: " + string.Join(", ", MmluSubjects) + ")";

    /// <summary>
    /// Parses a comma-separated task list into harness task names with an optional per-task shot count, MMLU
    /// expanded to its subjects. Duplicates are dropped (first wins).
    /// </summary>
    /// <exception cref="LmEvalException">A name is unknown (the message lists the valid ones) or a shot count is not a number.</exception>
    public static IReadOnlyList<TaskSelection> Parse(string list)
    {
        var result = new List<TaskSelection>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string name = raw;
            int? shots = null;
            int colon = raw.LastIndexOf(':');
            if (colon > 0)
            {
                name = raw[..colon];
                shots = int.TryParse(raw[(colon + 1)..], out int n) && n >= 0
                    ? n
                    : throw new LmEvalException($"'{raw}': the shot count after ':' must be a non-negative integer");
            }
            foreach (string canonical in Expand(name))
            {
                if (seen.Add(canonical))
                    result.Add(new TaskSelection(canonical, shots, name is "mmlu" or "hendrycksTest" ? "mmlu" : null));
            }
        }
        if (result.Count == 0)
            throw new LmEvalException($"no task given; valid tasks: {ValidNames}");
        return result;
    }

    /// <summary>Loads a task by its harness name.</summary>
    /// <exception cref="LmEvalException">The name is unknown.</exception>
    /// <exception cref="Data.DataFileException">The task's data is missing or malformed.</exception>
    public static LmTask Load(string name, string dataFolder) => name switch
    {
        "arc_challenge" => new ArcChallengeTask(dataFolder),
        "hellaswag" => new HellaSwagTask(dataFolder),
        "truthfulqa_mc" => new TruthfulQaMcTask(dataFolder),
        "winogrande" => new WinograndeTask(dataFolder),
        "gsm8k" => new Gsm8kTask(dataFolder),
        _ when name.StartsWith("hendrycksTest-", StringComparison.Ordinal) && MmluSubjects.Contains(name["hendrycksTest-".Length..])
            => new MmluTask(dataFolder, name["hendrycksTest-".Length..]),
        _ => throw Unknown(name),
    };

    private static IEnumerable<string> Expand(string name)
    {
        if (name is "mmlu" or "hendrycksTest")
            return MmluSubjects.Select(s => "hendrycksTest-" + s);
        if (name == "truthfulqa")
            return ["truthfulqa_mc"];
        if (s_single.Contains(name))
            return [name];
        foreach (string prefix in new[] { "hendrycksTest-", "mmlu_" })
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal) && MmluSubjects.Contains(name[prefix.Length..]))
                return ["hendrycksTest-" + name[prefix.Length..]];
        }
        throw Unknown(name);
    }

    private static LmEvalException Unknown(string name) => new($"unknown task '{name}'; valid tasks: {ValidNames}");
}

/// <summary>A task picked on the command line.</summary>
/// <param name="Name">The harness task name.</param>
/// <param name="FewShot">The shot count given with the name (<c>task:N</c>), if any.</param>
/// <param name="Group">The group it was expanded from (<c>mmlu</c>), if any.</param>
public sealed record TaskSelection(string Name, int? FewShot, string? Group);
