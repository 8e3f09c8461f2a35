using System.Text.Json;
using System.Text.RegularExpressions;
using StarChat.Evaluation.LmEval.Data;
using StarChat.Evaluation.LmEval.Python;

namespace StarChat.Evaluation.LmEval.Tasks;

/// <summary>
/// HellaSwag (LE-PIN <c>hellaswag.py</c>): query <c>preprocess(activity_label + ": " + ctx_a + " " + capitalize(ctx_b))</c>,
/// continuations <c>" " + preprocess(ending)</c>; scored split validation, examples sampled from train.
/// Reads the original <c>hellaswag/hellaswag_{val,train}.jsonl</c> when present (exact); otherwise the validation
/// items come from the klosax text file, whose contexts are rebuilt as the fixtures describe (exact for ActivityNet
/// items, approximate for WikiHow ones), and there is no training pool (zero-shot only).
/// </summary>
public sealed partial class HellaSwagTask : MultipleChoiceTask
{
    private readonly ChoiceItem[] _validation;
    private readonly ChoiceItem[] _train;
    private readonly List<string> _notes = [];

    /// <summary>Loads the task from the lm-eval data folder.</summary>
    /// <exception cref="DataFileException">The files are missing or malformed.</exception>
    public HellaSwagTask(string dataFolder)
    {
        string folder = Path.Combine(dataFolder, "hellaswag");
        string valJsonl = Path.Combine(folder, "hellaswag_val.jsonl");
        if (File.Exists(valJsonl))
        {
            _validation = ReadJsonl(valJsonl);
        }
        else
        {
            _validation = ReadKlosax(Path.Combine(folder, "hellaswag_val_full.klosax.txt"));
            _notes.Add("validation text rebuilt from hellaswag_val_full.klosax.txt (exact for ActivityNet items, approximate for WikiHow items); put the original hellaswag_val.jsonl in the data folder for exact prompts");
        }
        string trainJsonl = Path.Combine(folder, "hellaswag_train.jsonl");
        _train = File.Exists(trainJsonl) ? ReadJsonl(trainJsonl) : [];
    }

    /// <inheritdoc />
    public override string Name => "hellaswag";

    /// <inheritdoc />
    public override int Version => 0;

    /// <inheritdoc />
    public override int DefaultFewShot => 10;

    /// <inheritdoc />
    public override string LeaderboardMetric => "acc_norm";

    /// <inheritdoc />
    public override int DocumentCount => _validation.Length;

    /// <inheritdoc />
    public override FewShotSource FewShotSource => FewShotSource.Sampled;

    /// <inheritdoc />
    public override int FewShotPoolSize => _train.Length;

    /// <inheritdoc />
    public override IReadOnlyList<string> DataNotes => _notes;

    /// <inheritdoc />
    protected override ChoiceItem Document(int docIndex) => _validation[docIndex];

    /// <inheritdoc />
    protected override ChoiceItem FewShotExample(int poolIndex) => _train[poolIndex];

    /// <summary>
    /// The harness's <c>preprocess</c>: strip; <c>" [title]"</c> → <c>". "</c>; delete <c>[...]</c> spans (shortest);
    /// one left-to-right pass replacing double spaces by one.
    /// </summary>
    public static string Preprocess(string text)
    {
        text = PyStr.Strip(text).Replace(" [title]", ". ", StringComparison.Ordinal);
        text = BracketSpan().Replace(text, "");
        return text.Replace("  ", " ", StringComparison.Ordinal);
    }

    /// <summary>
    /// Rebuilds the harness query from a klosax line (<c>activity_label + ": " + ctx_a + " " + ctx_b</c>, ctx_b in its
    /// original case): ctx_b is taken as the text after the last ". " and capitalized as Python's <c>capitalize</c>.
    /// </summary>
    public static string RebuildKlosaxQuery(string line)
    {
        int label = line.IndexOf(": ", StringComparison.Ordinal);
        int split = line.LastIndexOf(". ", StringComparison.Ordinal);
        int tail = split > label && split >= 0 ? split + 2 : label >= 0 ? label + 2 : 0;
        return Preprocess(line[..tail] + PyStr.Capitalize(line[tail..]));
    }

    private static ChoiceItem[] ReadKlosax(string path)
    {
        DataFiles.RequireFile(path);
        var lines = File.ReadAllLines(path);
        if (lines.Length % 6 != 0)
            throw new DataFileException(path, lines.Length, $"expected 6 lines per item (context, label, 4 endings); {lines.Length} lines is not a multiple of 6");
        var items = new ChoiceItem[lines.Length / 6];
        for (int i = 0; i < items.Length; i++)
        {
            int at = i * 6;
            if (!int.TryParse(lines[at + 1], out int gold) || gold is < 0 or > 3)
                throw new DataFileException(path, at + 2, $"label '{lines[at + 1]}' is not 0..3");
            items[i] = new ChoiceItem(RebuildKlosaxQuery(lines[at]), [.. lines.AsSpan(at + 2, 4).ToArray().Select(Preprocess)], gold);
        }
        return items;
    }

    private static ChoiceItem[] ReadJsonl(string path)
    {
        var items = new List<ChoiceItem>();
        foreach (var (line, value) in JsonLines.Read(path))
        {
            string ctx = JsonLines.String(value, "ctx_a", path, line) + " " + PyStr.Capitalize(JsonLines.String(value, "ctx_b", path, line));
            string query = Preprocess(JsonLines.String(value, "activity_label", path, line) + ": " + ctx);
            string[] endings = JsonLines.Strings(value, "endings", path, line);
            // The label is a string in the original files ("3"), a number in some exports.
            int gold = value.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String && int.TryParse(l.GetString(), out int g) ? g
                : JsonLines.Int(value, "label", path, line);
            if (gold < 0 || gold >= endings.Length)
                throw new DataFileException(path, line, $"label {gold} is not the index of one of {endings.Length} endings");
            items.Add(new ChoiceItem(query, [.. endings.Select(Preprocess)], gold));
        }
        return [.. items];
    }

    [GeneratedRegex(@"\[.*?\]")]
    private static partial Regex BracketSpan();
}
