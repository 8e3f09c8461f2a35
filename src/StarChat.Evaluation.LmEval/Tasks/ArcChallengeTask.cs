using StarChat.Evaluation.LmEval.Data;

namespace StarChat.Evaluation.LmEval.Tasks;

/// <summary>
/// ARC-Challenge (LE-PIN <c>arc.py</c>): <c>"Question: " + question + "\nAnswer:"</c>, continuations <c>" " + choice</c>;
/// scored split test, few-shot examples sampled from train. Reads <c>arc/ARC-Challenge.{test,train}.derived.jsonl</c>.
/// </summary>
public sealed class ArcChallengeTask : MultipleChoiceTask
{
    private readonly ChoiceItem[] _test;
    private readonly ChoiceItem[] _train;

    /// <summary>Loads the task from the lm-eval data folder.</summary>
    /// <exception cref="DataFileException">A file is missing or malformed.</exception>
    public ArcChallengeTask(string dataFolder)
    {
        _test = Read(Path.Combine(dataFolder, "arc", "ARC-Challenge.test.derived.jsonl"));
        _train = Read(Path.Combine(dataFolder, "arc", "ARC-Challenge.train.derived.jsonl"));
    }

    /// <inheritdoc />
    public override string Name => "arc_challenge";

    /// <inheritdoc />
    public override int Version => 0;

    /// <inheritdoc />
    public override int DefaultFewShot => 25;

    /// <inheritdoc />
    public override string LeaderboardMetric => "acc_norm";

    /// <inheritdoc />
    public override int DocumentCount => _test.Length;

    /// <inheritdoc />
    public override FewShotSource FewShotSource => FewShotSource.Sampled;

    /// <inheritdoc />
    public override int FewShotPoolSize => _train.Length;

    /// <inheritdoc />
    protected override ChoiceItem Document(int docIndex) => _test[docIndex];

    /// <inheritdoc />
    protected override ChoiceItem FewShotExample(int poolIndex) => _train[poolIndex];

    private static ChoiceItem[] Read(string path)
    {
        var items = new List<ChoiceItem>();
        foreach (var (line, value) in JsonLines.Read(path))
        {
            string question = JsonLines.String(value, "question", path, line);
            string[] choices = JsonLines.Strings(value, "choices", path, line);
            int gold = JsonLines.Int(value, "gold", path, line);
            if (choices.Length == 0 || gold < 0 || gold >= choices.Length)
                throw new DataFileException(path, line, $"gold {gold} is not the index of one of {choices.Length} choices");
            items.Add(new ChoiceItem("Question: " + question + "\nAnswer:", choices, gold));
        }
        return [.. items];
    }
}
