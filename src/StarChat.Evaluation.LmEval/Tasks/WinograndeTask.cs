using StarChat.Evaluation.LmEval.Data;
using StarChat.Evaluation.LmEval.Python;
using StarChat.Evaluation.LmEval.Scoring;

namespace StarChat.Evaluation.LmEval.Tasks;

/// <summary>
/// Winogrande (LE-PIN <c>winogrande.py</c>, partial evaluation): for each option the context is the sentence up to the
/// blank followed by the option, and the same continuation (the rest of the sentence after the blank, stripped, with a
/// leading space) is scored; acc = the better option is the answer. Scored split <c>dev.jsonl</c>; examples sampled
/// from <c>train_xl.jsonl</c> when present, else from <c>train_l.jsonl</c> (its first 10,234 rows; see DataNotes).
/// </summary>
public sealed class WinograndeTask : LmTask
{
    private readonly Item[] _dev;
    private readonly Item[] _train;
    private readonly List<string> _notes = [];

    /// <summary>Loads the task from the lm-eval data folder.</summary>
    /// <exception cref="DataFileException">A file is missing or malformed.</exception>
    public WinograndeTask(string dataFolder)
    {
        string folder = Path.Combine(dataFolder, "winogrande");
        _dev = Read(Path.Combine(folder, "dev.jsonl"));
        string xl = Path.Combine(folder, "train_xl.jsonl");
        if (File.Exists(xl))
        {
            _train = Read(xl);
        }
        else
        {
            _train = Read(Path.Combine(folder, "train_l.jsonl"));
            _notes.Add($"few-shot pool is train_l.jsonl ({_train.Length} rows), not the harness's train_xl (40,398 rows): examples differ from the harness's; put train_xl.jsonl in the data folder for exact prompts");
        }
    }

    /// <inheritdoc />
    public override string Name => "winogrande";

    /// <inheritdoc />
    public override int Version => 0;

    /// <inheritdoc />
    public override int DefaultFewShot => 5;

    /// <inheritdoc />
    public override IReadOnlyList<string> MetricNames { get; } = ["acc"];

    /// <inheritdoc />
    public override string LeaderboardMetric => "acc";

    /// <inheritdoc />
    public override int DocumentCount => _dev.Length;

    /// <inheritdoc />
    public override FewShotSource FewShotSource => FewShotSource.Sampled;

    /// <inheritdoc />
    public override int FewShotPoolSize => _train.Length;

    /// <inheritdoc />
    public override IReadOnlyList<string> DataNotes => _notes;

    /// <inheritdoc />
    public override TaskDocument Build(int docIndex, IReadOnlyList<int> fewShotIndices)
    {
        var doc = _dev[docIndex];
        var examples = fewShotIndices.Select(i => _train[i]).Select(e => PartialContext(e, e.Correct) + PartialTarget(e));
        string context = FewShotContext("", examples, PartialContext(doc, doc.Correct));
        string target = PartialTarget(doc);
        return new TaskDocument
        {
            DocIndex = docIndex,
            FewShotIndices = fewShotIndices,
            Context = context,
            Requests = [.. new[] { doc.Option1, doc.Option2 }.Select(o => new LoglikelihoodRequest(AppendContext(context, PartialContext(doc, o)), target))],
        };
    }

    /// <inheritdoc />
    public override DocumentScore Score(TaskDocument document, IReadOnlyList<LoglikelihoodResult> results, GenerationOutput? generation)
    {
        var doc = _dev[document.DocIndex];
        int pred = Metrics.ArgMax([.. results.Select(r => r.LogLikelihood)]);
        int gold = doc.Answer - 1;
        return new DocumentScore(
            new Dictionary<string, double> { ["acc"] = pred == gold ? 1.0 : 0.0 },
            new Dictionary<string, object?>
            {
                ["sentence"] = doc.Sentence,
                ["option1"] = doc.Option1,
                ["option2"] = doc.Option2,
                ["gold"] = gold,
                ["pred"] = pred,
            });
    }

    private static string PartialContext(Item doc, string option) => doc.Sentence[..doc.Sentence.IndexOf('_', StringComparison.Ordinal)] + option;

    private static string PartialTarget(Item doc) => " " + PyStr.Strip(doc.Sentence[(doc.Sentence.IndexOf('_', StringComparison.Ordinal) + 1)..]);

    /// <summary>LE-PIN <c>append_context</c>: split the prompt on blank lines, replace the last part with the partial context.</summary>
    private static string AppendContext(string context, string partial)
    {
        var parts = context.Split("\n\n").ToList();
        parts.RemoveAt(parts.Count - 1);
        return parts.Count > 0 ? string.Join("\n\n", [.. parts, partial]) : partial;
    }

    private static Item[] Read(string path)
    {
        var items = new List<Item>();
        foreach (var (line, value) in JsonLines.Read(path))
        {
            string sentence = JsonLines.String(value, "sentence", path, line);
            if (!sentence.Contains('_', StringComparison.Ordinal))
                throw new DataFileException(path, line, "sentence has no '_' blank");
            string answer = JsonLines.String(value, "answer", path, line);
            if (answer is not ("1" or "2"))
                throw new DataFileException(path, line, $"answer '{answer}' is not \"1\" or \"2\"");
            items.Add(new Item(sentence, JsonLines.String(value, "option1", path, line), JsonLines.String(value, "option2", path, line), answer[0] - '0'));
        }
        return [.. items];
    }

    private sealed record Item(string Sentence, string Option1, string Option2, int Answer)
    {
        public string Correct => Answer == 1 ? Option1 : Option2;
    }
}
