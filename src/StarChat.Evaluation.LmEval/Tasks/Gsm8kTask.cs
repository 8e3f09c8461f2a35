using System.Text.RegularExpressions;
using StarChat.Evaluation.LmEval.Data;
using StarChat.Evaluation.LmEval.Python;
using StarChat.Evaluation.LmEval.Scoring;

namespace StarChat.Evaluation.LmEval.Tasks;

/// <summary>
/// GSM8K (LE-PIN <c>gsm8k.py</c>): prompt <c>"Question: " + question + "\nAnswer:"</c>, examples with their full worked
/// answers, greedy generation until <c>":"</c>, <c>"Question:"</c>, <c>"Question"</c> or end of text; the answer is the
/// first <c>#### number</c> (commas removed), compared as a string with the reference's. Reads
/// <c>gsm8k/{test,train}.jsonl</c>.
/// </summary>
public sealed partial class Gsm8kTask : LmTask
{
    /// <summary>The harness's answer when no <c>#### number</c> is found.</summary>
    public const string Invalid = "[invalid]";

    private readonly (string Question, string Answer)[] _test;
    private readonly (string Question, string Answer)[] _train;

    /// <summary>Loads the task from the lm-eval data folder.</summary>
    /// <exception cref="DataFileException">A file is missing or malformed.</exception>
    public Gsm8kTask(string dataFolder)
    {
        _test = Read(Path.Combine(dataFolder, "gsm8k", "test.jsonl"));
        _train = Read(Path.Combine(dataFolder, "gsm8k", "train.jsonl"));
    }

    /// <summary>Stop strings before the end-of-text text the runner adds (LE-PIN <c>until</c>).</summary>
    public static IReadOnlyList<string> StopStrings { get; } = [":", "Question:", "Question"];

    /// <inheritdoc />
    public override string Name => "gsm8k";

    /// <inheritdoc />
    public override int Version => 0;

    /// <inheritdoc />
    public override int DefaultFewShot => 5;

    /// <inheritdoc />
    public override IReadOnlyList<string> MetricNames { get; } = ["acc"];

    /// <inheritdoc />
    public override string LeaderboardMetric => "acc";

    /// <inheritdoc />
    public override int DocumentCount => _test.Length;

    /// <inheritdoc />
    public override FewShotSource FewShotSource => FewShotSource.Sampled;

    /// <inheritdoc />
    public override int FewShotPoolSize => _train.Length;

    /// <inheritdoc />
    public override TaskDocument Build(int docIndex, IReadOnlyList<int> fewShotIndices)
    {
        var examples = fewShotIndices.Select(i => _train[i]).Select(e => Text(e.Question) + " " + e.Answer);
        return new TaskDocument
        {
            DocIndex = docIndex,
            FewShotIndices = fewShotIndices,
            Context = FewShotContext("", examples, Text(_test[docIndex].Question)),
            GenerationStops = StopStrings,
        };
    }

    /// <inheritdoc />
    public override DocumentScore Score(TaskDocument document, IReadOnlyList<LoglikelihoodResult> results, GenerationOutput? generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        string extracted = ExtractAnswer(generation.Response);
        string gold = ExtractAnswer(_test[document.DocIndex].Answer);
        if (gold == Invalid)
            throw new LmEvalException($"gsm8k test row {document.DocIndex}: the reference answer has no '#### number' (the harness asserts one)");
        return new DocumentScore(
            new Dictionary<string, double> { ["acc"] = extracted == gold ? 1.0 : 0.0 },
            new Dictionary<string, object?>
            {
                ["response"] = generation.Response,
                ["extracted_answer"] = extracted,
                ["gold_answer"] = gold,
            });
    }

    /// <summary>LE-PIN <c>_extract_answer</c>: the first <c>#### (-?[0-9.,]+)</c>, stripped, commas removed; else <see cref="Invalid"/>.</summary>
    public static string ExtractAnswer(string completion)
    {
        var match = AnswerPattern().Match(completion);
        return match.Success ? PyStr.Strip(match.Groups[1].Value).Replace(",", "", StringComparison.Ordinal) : Invalid;
    }

    private static string Text(string question) => "Question: " + question + "\nAnswer:";

    private static (string, string)[] Read(string path)
        => [.. JsonLines.Read(path).Select(x => (JsonLines.String(x.Value, "question", path, x.Line), JsonLines.String(x.Value, "answer", path, x.Line)))];

    [GeneratedRegex(@"#### (\-?[0-9\.\,]+)")]
    private static partial Regex AnswerPattern();
}
