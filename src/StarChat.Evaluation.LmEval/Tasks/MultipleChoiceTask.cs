using StarChat.Evaluation.LmEval.Python;
using StarChat.Evaluation.LmEval.Scoring;

namespace StarChat.Evaluation.LmEval.Tasks;

/// <summary>A question, its answer choices (without the leading space) and the index of the right one.</summary>
/// <param name="Query">The text the model sees (<c>doc_to_text</c>).</param>
/// <param name="Choices">Answer strings; each is scored as <c>" " + choice</c>.</param>
/// <param name="Gold">Index of the correct choice.</param>
public sealed record ChoiceItem(string Query, IReadOnlyList<string> Choices, int Gold);

/// <summary>
/// LE-PIN <c>MultipleChoiceTask</c>: one request per choice with continuation <c>" " + choice</c> after the shared
/// context; <c>acc</c> = arg-max of the log-likelihoods, <c>acc_norm</c> = arg-max of log-likelihood divided by the
/// choice's length in code points (without the leading space). Ties go to the first maximum.
/// </summary>
public abstract class MultipleChoiceTask : LmTask
{
    /// <inheritdoc />
    public override IReadOnlyList<string> MetricNames { get; } = ["acc", "acc_norm"];

    /// <summary>A scored document.</summary>
    protected abstract ChoiceItem Document(int docIndex);

    /// <summary>A few-shot example from the pool.</summary>
    protected abstract ChoiceItem FewShotExample(int poolIndex);

    /// <summary>Text put before the examples (MMLU's subject line); empty for most tasks.</summary>
    protected virtual string Description => "";

    /// <inheritdoc />
    public override TaskDocument Build(int docIndex, IReadOnlyList<int> fewShotIndices)
    {
        var item = Document(docIndex);
        var examples = fewShotIndices.Select(FewShotExample).Select(e => e.Query + " " + e.Choices[e.Gold]);
        string context = FewShotContext(Description, examples, item.Query);
        return new TaskDocument
        {
            DocIndex = docIndex,
            FewShotIndices = fewShotIndices,
            Context = context,
            Requests = [.. item.Choices.Select(c => new LoglikelihoodRequest(context, " " + c))],
        };
    }

    /// <inheritdoc />
    public override DocumentScore Score(TaskDocument document, IReadOnlyList<LoglikelihoodResult> results, GenerationOutput? generation)
    {
        var item = Document(document.DocIndex);
        var lls = results.Select(r => r.LogLikelihood).ToArray();
        int pred = Metrics.ArgMax(lls);
        int predNorm = Metrics.ArgMax([.. lls.Select((ll, i) => ll / Math.Max(1, PyStr.Length(item.Choices[i])))]);
        return new DocumentScore(
            new Dictionary<string, double>
            {
                ["acc"] = pred == item.Gold ? 1.0 : 0.0,
                ["acc_norm"] = predNorm == item.Gold ? 1.0 : 0.0,
            },
            new Dictionary<string, object?>
            {
                ["choices"] = item.Choices,
                ["gold"] = item.Gold,
                ["pred_acc"] = pred,
                ["pred_acc_norm"] = predNorm,
            });
    }
}
