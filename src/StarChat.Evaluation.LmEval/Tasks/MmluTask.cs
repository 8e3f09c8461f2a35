using StarChat.Evaluation.LmEval.Data;
using StarChat.Evaluation.LmEval.Python;

namespace StarChat.Evaluation.LmEval.Tasks;

/// <summary>
/// One MMLU subject (LE-PIN <c>hendrycks_test.py</c>, task <c>hendrycksTest-SUBJECT</c>): a subject line, the first k
/// dev rows as examples, the stripped question with lettered choices and <c>"Answer:"</c>; the continuations are the
/// letters <c>" A"</c> … <c>" D"</c>. Reads <c>mmlu/data/{test,dev}/SUBJECT_{test,dev}.csv</c> (no header; question,
/// four choices, answer letter).
/// </summary>
public sealed class MmluTask : MultipleChoiceTask
{
    private static readonly string[] s_letters = ["A", "B", "C", "D"];
    private readonly ChoiceItem[] _test;
    private readonly ChoiceItem[] _dev;

    /// <summary>Loads one subject from the lm-eval data folder.</summary>
    /// <exception cref="DataFileException">A file is missing or a row is malformed.</exception>
    public MmluTask(string dataFolder, string subject)
    {
        Subject = subject;
        _test = Read(Path.Combine(dataFolder, "mmlu", "data", "test", $"{subject}_test.csv"));
        _dev = Read(Path.Combine(dataFolder, "mmlu", "data", "dev", $"{subject}_dev.csv"));
    }

    /// <summary>The subject (<c>abstract_algebra</c>, …).</summary>
    public string Subject { get; }

    /// <inheritdoc />
    public override string Name => "hendrycksTest-" + Subject;

    /// <inheritdoc />
    public override int Version => 1;

    /// <inheritdoc />
    public override int DefaultFewShot => 5;

    /// <inheritdoc />
    public override string LeaderboardMetric => "acc";

    /// <inheritdoc />
    public override int DocumentCount => _test.Length;

    /// <inheritdoc />
    public override FewShotSource FewShotSource => FewShotSource.FirstRows;

    /// <inheritdoc />
    public override int FewShotPoolSize => _dev.Length;

    /// <inheritdoc />
    protected override string Description
        => $"The following are multiple choice questions (with answers) about {Subject.Replace('_', ' ')}.";

    /// <inheritdoc />
    protected override ChoiceItem Document(int docIndex) => _test[docIndex];

    /// <inheritdoc />
    protected override ChoiceItem FewShotExample(int poolIndex) => _dev[poolIndex];

    private static ChoiceItem[] Read(string path)
    {
        DataFiles.RequireFile(path);
        var items = new List<ChoiceItem>();
        foreach (var (line, f) in CsvReader.Parse(File.ReadAllText(path), path))
        {
            if (f.Length != 6)
                throw new DataFileException(path, line, $"expected 6 fields (question, A, B, C, D, answer), got {f.Length}");
            int gold = Array.IndexOf(s_letters, f[5]);
            if (gold < 0)
                throw new DataFileException(path, line, $"answer '{f[5]}' is not one of A, B, C, D");
            // Only the question is stripped; choices keep their whitespace (LE-PIN format_example).
            string query = PyStr.Strip(f[0]) + "\n" + string.Concat(s_letters.Select((k, i) => $"{k}. {f[i + 1]}\n")) + "Answer:";
            items.Add(new ChoiceItem(query, s_letters, gold));
        }
        return [.. items];
    }
}
